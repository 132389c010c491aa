/**
 * `tls-cert` and `tls-key` of [serve]: the server's certificate and key, read and judged when the site
 * loads, so that a pair the clients would refuse never replaces a working one.
 */
import { createSecureContext } from 'node:tls';
import path from 'node:path';
import { asString, where } from '../config/config-file.js';
import type { WarningSink } from '../util/errors.js';
import { checkCertificate, type CertificateReport } from './certificate.js';
import type { Site } from './site.js';
import { readBytes, siteError, type KeyPlace } from './site-values.js';

/**
 * The certificate and key, usable together and acceptable to a client: refused when out of its dates
 * (so a reload keeps the old pair), warned about when the client would doubt it.
 */
function loadTls(certFile: string, keyFile: string, host: string, { at, warn }: { at: KeyPlace; warn: WarningSink }): NonNullable<Site['tls']> {
  const cert = readBytes(certFile, at('tls-cert'), 'the certificate');
  const key = readBytes(keyFile, at('tls-key'), 'the key');
  let certificate: CertificateReport;
  try {
    createSecureContext({ cert, key });
    certificate = checkCertificate(cert, host);
  } catch (err) {
    throw siteError(
      at('tls-cert'),
      `${certFile} and ${keyFile} are not a usable certificate and key: ${(err as Error).message}`,
      'give the PEM certificate (chain) and its own private key, unencrypted',
    );
  }
  for (const f of certificate.findings) {
    if (f.level === 'error') throw siteError(at('tls-cert'), `${certFile}: ${f.message}`, f.hint);
    warn(`${where(at('tls-cert'))}: ${certFile}: ${f.message}; ${f.hint}`);
  }
  return { cert, key, certFile, keyFile, certificate };
}

/** Both keys or neither (plain http); `host` is the template's, which the certificate must name. */
export function readTls(serve: Record<string, unknown>, { dir, at, host, warn }: { dir: string; at: KeyPlace; host: string; warn: WarningSink }): Site['tls'] {
  const certFile = serve['tls-cert'] === undefined ? undefined : path.resolve(dir, asString(serve['tls-cert'], at('tls-cert')));
  const keyFile = serve['tls-key'] === undefined ? undefined : path.resolve(dir, asString(serve['tls-key'], at('tls-key')));
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'tls-cert' : 'tls-key';
    throw siteError(at(missing), 'is missing', 'give both tls-cert and tls-key (PEM files), or neither to serve http');
  }
  return certFile && keyFile ? loadTls(certFile, keyFile, host, { at, warn }) : undefined;
}
