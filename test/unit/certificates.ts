import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificates {
  /** PEM of the CA, and the files holding the CA, the server certificate and its key. */
  readonly ca: string;
  readonly key: string;
  readonly cert: string;
  readonly caFile: string;
  readonly keyFile: string;
  readonly certFile: string;
}

/**
 * A CA made for the test with openssl, and a server certificate it signed for 127.0.0.1/localhost
 * (plus `ips`): what an admin's own CA gives, which no client trusts unless told to.
 */
export function makeCertificates(dir: string, ips: readonly string[] = []): TestCertificates {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=provdisc test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  const names = ['IP:127.0.0.1', 'DNS:localhost', ...ips.map((ip) => `IP:${ip}`)].join(',');
  writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=${names}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  const file = (f: string) => path.join(dir, f);
  const read = (f: string) => readFileSync(file(f), 'utf8');
  return {
    ca: read('ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
    caFile: file('ca.pem'),
    keyFile: file('server.key'),
    certFile: file('server.pem'),
  };
}

export interface DatedCertificateOptions {
  /** openssl's -newkey argument: 'rsa:1024', 'ec' (P-256)… */
  readonly key: string;
  readonly subjectAltName: string;
  /** openssl's ASN.1 times, e.g. 20200101000000Z. */
  readonly start: string;
  readonly end: string;
}

/** A self-signed pair with chosen dates, key and names (openssl ca: `req -x509` cannot set dates). */
export function makeDatedCertificate(dir: string, name: string, o: DatedCertificateOptions): { certFile: string; keyFile: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const db = `${name}-db`;
  const key = o.key === 'ec' ? ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : [o.key];
  run(['req', '-newkey', ...key, ...`-nodes -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`.split(' ')]);
  mkdirSync(path.join(dir, db), { recursive: true });
  writeFileSync(path.join(dir, db, 'index'), '');
  writeFileSync(path.join(dir, db, 'serial'), '01\n');
  const config = [
    '[ca]',
    'default_ca = d',
    '[d]',
    `database = ${db}/index`,
    `new_certs_dir = ${db}`,
    `serial = ${db}/serial`,
    'default_md = sha256',
    'policy = p',
    'unique_subject = no',
    '[p]',
    'commonName = supplied',
    '[ext]',
    `subjectAltName = ${o.subjectAltName}`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, `${name}.cnf`), config);
  // names and dates hold no spaces
  run(
    `ca -batch -config ${name}.cnf -selfsign -keyfile ${name}.key -in ${name}.csr -out ${name}.pem -startdate ${o.start} -enddate ${o.end} -extensions ext -notext`.split(
      ' ',
    ),
  );
  return { certFile: path.join(dir, `${name}.pem`), keyFile: path.join(dir, `${name}.key`) };
}
