/**
 * OpenLDAP's slapd (Debian's package) as a test directory: a generated slapd.conf, a tree seeded
 * offline with slapadd (alice and user001…), then slapd in the foreground on one loopback port —
 * of this machine (a TCP server that needs no LAN) or of a lab host — until `stop()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runBounded, spawnProcess, type RunOptions, type RunResult, type SpawnedProcess, type SpawnOptions } from './process.js';

export const SLAPD_BASE = 'dc=example,dc=org';
export const PEOPLE = `ou=people,${SLAPD_BASE}`;
export const ADMIN_DN = `cn=admin,${SLAPD_BASE}`;
export const ADMIN_PASSWORD = 'admin-secret';

/** The SIP account block the directory sites give each user (a block Jitsi loads: parent key, ACCOUNT_UID). */
export const SIP_ACCOUNT = 'net.java.sip.communicator.impl.protocol.sip.acc1';
export function sipAccountProperties(displayName: string): string {
  return [
    `${SIP_ACCOUNT}=acc1`,
    `${SIP_ACCOUNT}.ACCOUNT_UID=SIP:\${username}@sip.example.org`,
    `${SIP_ACCOUNT}.USER_ID=\${username}@sip.example.org`,
    `${SIP_ACCOUNT}.SERVER_ADDRESS=sip.example.org`,
    `${SIP_ACCOUNT}.PASSWORD=\${password}`,
    `${SIP_ACCOUNT}.DISPLAY_NAME=${displayName}`,
    '',
  ].join('\n');
}

/** Where slapd and its tools run: this machine (LOCAL) or a lab host (LabHost has both). */
export interface Launcher {
  run(cmd: string, args: string[], options?: RunOptions): Promise<RunResult>;
  spawn(cmd: string, args: string[], options?: SpawnOptions): SpawnedProcess;
}

export const LOCAL: Launcher = { run: runBounded, spawn: spawnProcess };

export interface DirectoryUser {
  readonly uid: string;
  readonly password: string;
  readonly cn: string;
  readonly telephoneNumber: string;
}

/** alice, then user001 … user(count-1): `count` people in all. */
export function directoryUsers(count: number): DirectoryUser[] {
  return Array.from({ length: count }, (_, i) => {
    const uid = i === 0 ? 'alice' : `user${String(i).padStart(3, '0')}`;
    return { uid, password: i === 0 ? 's3cret' : `pw-${uid}`, cn: i === 0 ? 'Alice Liddell' : `User ${i}`, telephoneNumber: `+1 555 ${String(1000 + i)}` };
  });
}

/** RFC 2307's {SSHA}: what slapd stores for a hashed userPassword. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

function seed(users: readonly DirectoryUser[]): string {
  const entries = [
    `dn: ${SLAPD_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n`,
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people\n`,
    ...users.map(
      (u) =>
        `dn: uid=${u.uid},${PEOPLE}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\ncn: ${u.cn}\nsn: ${u.cn.split(' ').at(-1)}\n` +
        `mail: ${u.uid}@example.org\ntelephoneNumber: ${u.telephoneNumber}\nuserPassword: ${ssha(u.password)}\n`,
    ),
  ];
  return entries.join('\n');
}

function config(dir: string, tls: { certFile: string; keyFile: string } | undefined): string {
  return [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    // as Active Directory does: a DN with an empty password is an (unauthenticated) bind that succeeds
    'allow bind_anon_dn',
    ...(tls ? [`TLSCertificateFile ${tls.certFile}`, `TLSCertificateKeyFile ${tls.keyFile}`] : []),
    'database mdb',
    'maxsize 104857600',
    `suffix "${SLAPD_BASE}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${dir}/data`,
    'index uid eq',
    'access to attrs=userPassword by anonymous auth by self write by * none',
    'access to * by * read',
    '',
  ].join('\n');
}

export interface SlapdPeer {
  readonly url: string;
  readonly users: readonly DirectoryUser[];
  readonly process: SpawnedProcess;
  /** SIGSTOP: connections are still accepted, nothing is answered. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A free port on this machine's loopback, for a slapd started with LOCAL. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface SlapdOptions {
  readonly users: number;
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Seeds and starts slapd on 127.0.0.1:port where `at` runs things; resolves once it answers. */
export async function startSlapd(at: Launcher, { users: count, port, tls }: SlapdOptions): Promise<SlapdPeer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-slapd-'));
  mkdirSync(path.join(dir, 'data'));
  const users = directoryUsers(count);
  writeFileSync(path.join(dir, 'slapd.conf'), config(dir, tls));
  writeFileSync(path.join(dir, 'seed.ldif'), seed(users));
  const added = await at.run('/usr/sbin/slapadd', ['-q', '-f', path.join(dir, 'slapd.conf'), '-l', path.join(dir, 'seed.ldif')], { timeoutMs: 60_000 });
  if (added.code !== 0) throw new Error(`slapadd failed (${added.code}): ${added.stderr}`);
  const url = `ldap://127.0.0.1:${port}`;
  // -d 0: in the foreground, without debug output
  const proc = at.spawn('/usr/sbin/slapd', ['-d', '0', '-h', `${url}/`, '-f', path.join(dir, 'slapd.conf')], { description: `slapd ${url}` });
  for (let i = 0; ; i++) {
    const probe = await at.run('ldapsearch', ['-x', '-H', url, '-b', '', '-s', 'base', 'namingContexts'], { timeoutMs: 5_000 });
    if (probe.code === 0) break;
    if (!proc.running || i >= 100) {
      await proc.stop();
      throw new Error(`slapd did not answer on ${url}: ${probe.stderr}\n${proc.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    users,
    process: proc,
    pause: () => proc.kill('SIGSTOP'),
    resume: () => proc.kill('SIGCONT'),
    stop: async () => {
      proc.kill('SIGCONT');
      await proc.stop(5_000);
    },
  };
}
