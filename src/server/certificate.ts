/**
 * The server certificate as a Jitsi client will judge it (Java's trust manager and Apache HttpClient's
 * host-name check): out of its validity dates it is refused outright, so provdisc refuses to serve it;
 * what the client would show its user a trust dialog for, or what will soon break, is a warning.
 */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';

/** Renew before this: every client refuses the certificate the day it expires. */
export const EXPIRY_WARNING_DAYS = 30;
/** Below this, current Java (jdk.certpath.disabledAlgorithms) and browsers refuse RSA keys. */
export const MIN_RSA_BITS = 2048;
const DAY_MS = 86_400_000;

export interface CertificateFinding {
  readonly level: 'error' | 'warning';
  readonly message: string;
  readonly hint: string;
}

export interface CertificateReport {
  readonly subject: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** DNS names and IP addresses the certificate is valid for. */
  readonly names: readonly string[];
  readonly findings: readonly CertificateFinding[];
}

function namesOf(cert: X509Certificate): string[] {
  // "DNS:a, IP Address:1.2.3.4"; node escapes commas inside a name, which host names never hold
  return (cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.*)$/.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined && name !== '');
}

/**
 * Checks the first certificate of `pem` (the server's own; a chain may follow) for `host`, the
 * template's host name or address, at `now`.
 */
export function checkCertificate(pem: Buffer, host: string, now: number = Date.now()): CertificateReport {
  const cert = new X509Certificate(pem);
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const findings: CertificateFinding[] = [];
  const renew = 'renew it (e.g. with your CA, or certbot for a public name), then reload with SIGHUP';
  if (now > notAfter.getTime()) {
    findings.push({ level: 'error', message: `the certificate expired on ${notAfter.toISOString()}: every client refuses it`, hint: renew });
  } else if (now < notBefore.getTime()) {
    findings.push({
      level: 'error',
      message: `the certificate is not valid before ${notBefore.toISOString()}: every client refuses it until then`,
      hint: "check this machine's clock, or issue the certificate again",
    });
  } else if (notAfter.getTime() - now < EXPIRY_WARNING_DAYS * DAY_MS) {
    const days = Math.floor((notAfter.getTime() - now) / DAY_MS);
    findings.push({ level: 'warning', message: `the certificate expires on ${notAfter.toISOString()} (in ${days} day(s))`, hint: renew });
  }
  const key = cert.publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && bits !== undefined && bits < MIN_RSA_BITS) {
    findings.push({
      level: 'warning',
      message: `the certificate's RSA key has ${bits} bits: Java refuses RSA keys under ${MIN_RSA_BITS} bits`,
      hint: 'issue a new certificate with an RSA key of 2048 bits or more, or an EC P-256 key',
    });
  }
  if (!host.includes('${')) {
    const matches = net.isIP(host) !== 0 ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
    if (!matches) {
      const names = namesOf(cert);
      findings.push({
        level: 'warning',
        message: `the certificate is not valid for ${host}, the template's host (it names ${names.join(', ') || cert.subject.replace(/\n/g, ', ')}): the client shows a trust dialog or refuses`,
        hint: `issue it with ${net.isIP(host) !== 0 ? 'IP' : 'DNS'}:${host} in its subjectAltName, or put a name it holds in the template`,
      });
    }
  }
  return { subject: cert.subject.replace(/\n/g, ', '), notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), names: namesOf(cert), findings };
}
