/**
 * Issue 14 §7: 500 distinct users logging in, 64 at a time and all 500 at once, each of whom must get
 * their own account within Jitsi's 10 s. Side by side, in one lab host (loopback; every client from
 * one address, as an office behind NAT): `login = users` (scrypt, provdisc's N=16384 and the cheaper
 * N=4096 and N=1024, `passwd --scrypt-n`), `login = ldap` (slapd seeded with the same 500 people) and an open site (no login: the
 * anchor). Every site takes its accounts from the same people (a CSV file, or the directory).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabHost } from '../../test/lab/host.js';
import { ADMIN_DN, ADMIN_PASSWORD, PEOPLE, startSlapd, type DirectoryUser, SIP_ACCOUNT, sipAccountProperties } from '../../test/lab/slapd.js';
import { writeSite } from '../../test/unit/server/site-fixture.js';
import { hashPassword } from '../../src/server/users.js';
import { jsonLines, runInHost } from '../in-host.js';
import type { BenchSection } from '../section.js';
import { defined } from '../../test/defined.js';

const USERS = 500;
const CONCURRENCY = [64, USERS];
const JITSI_TIMEOUT_MS = 10_000;
const SLAPD_PORT = 3890;

interface LoadRun {
  requests: number;
  errors: number;
  wallMs: number;
  rps: number;
  latencyMs: { median: number; p90: number; p99: number; max: number };
}

export interface LoginRun extends LoadRun {
  site: string;
  concurrency: number;
  /** Every user got their own account, within 10 s. */
  met: boolean;
}

export interface LoginsBenchResult {
  users: number;
  runs: LoginRun[];
}

/** The site kinds, in table order: what [serve] and [accounts] say. */
const SITES: { name: string; serve: string; accounts: (slapdUrl: string) => string; usersN?: number }[] = [
  { name: 'open site, accounts from CSV (anchor)', serve: '', accounts: () => 'source = accounts.csv' },
  { name: 'login = users, scrypt N=16384 (provdisc passwd)', serve: 'users = users', accounts: () => 'source = accounts.csv', usersN: 16384 },
  { name: 'login = users, scrypt N=4096', serve: 'users = users', accounts: () => 'source = accounts.csv', usersN: 4096 },
  { name: 'login = users, scrypt N=1024', serve: 'users = users', accounts: () => 'source = accounts.csv', usersN: 1024 },
  {
    name: 'login = ldap (slapd)',
    serve: 'login = ldap',
    accounts: (url) => [`source = ${url}`, `base = ${PEOPLE}`, `bind-dn = ${ADMIN_DN}`, 'bind-password-file = bind-password', 'map.name = cn'].join('\n'),
  },
];

async function siteFiles(users: readonly DirectoryUser[], port: number, kind: (typeof SITES)[number], slapdUrl: string): Promise<string> {
  const usersFile =
    kind.usersN === undefined ? '' : (await Promise.all(users.map(async (u) => `${u.uid}:${await hashPassword(u.password, kind.usersN)}\n`))).join('');
  const { dir, site } = writeSite({
    'site.ini': [
      '[serve]',
      `listen = 127.0.0.1:${port}`,
      `template = http://127.0.0.1:${port}/prov?username=\${username}&password=\${password}`,
      kind.serve,
      '[accounts]',
      kind.accounts(slapdUrl),
      '[profile sip]',
      'match.account = present',
      'properties = sip.properties',
      '',
    ].join('\n'),
    'sip.properties': sipAccountProperties('${account.name}'),
    'accounts.csv': `username,name\n${users.map((u) => `${u.uid},${u.cn}`).join('\n')}\n`,
    users: usersFile,
    'bind-password': ADMIN_PASSWORD,
  });
  chmodSync(path.join(dir, 'bind-password'), 0o600);
  return site;
}

async function loginRound(host: LabHost, port: number, formsFile: string, concurrency: number): Promise<LoadRun> {
  const run = await runInHost(host, 'http-load.ts', ['--url', `http://127.0.0.1:${port}/prov`, '--forms', formsFile, '--concurrency', String(concurrency)], {
    timeoutMs: 300_000,
  });
  return defined(jsonLines<LoadRun>(run, 'http-load')[0]);
}

export async function benchLogins(host: LabHost, log: (message: string) => void = () => {}): Promise<LoginsBenchResult> {
  const slapd = await startSlapd(host, { users: USERS, port: SLAPD_PORT });
  const runs: LoginRun[] = [];
  try {
    const formsFile = path.join(host.workDir, 'login-forms.json');
    const forms = slapd.users.map((u) => ({
      form: new URLSearchParams({ username: u.uid, password: u.password }).toString(),
      contains: `${SIP_ACCOUNT}.DISPLAY_NAME=${u.cn}\n`,
    }));
    writeFileSync(formsFile, JSON.stringify(forms));
    for (const [i, kind] of SITES.entries()) {
      const port = 18180 + i;
      log(`logins bench: ${kind.name}: writing the site`);
      const site = await siteFiles(slapd.users, port, kind, slapd.url);
      const serve = host.spawnProvdisc(['serve', '--config', site]);
      try {
        await serve.waitForLine(/^serving /, 15_000);
        for (const concurrency of CONCURRENCY) {
          log(`logins bench: ${kind.name}: ${USERS} users, ${concurrency} at a time`);
          const r = await loginRound(host, port, formsFile, concurrency);
          runs.push({ ...r, site: kind.name, concurrency, met: r.errors === 0 && r.latencyMs.max <= JITSI_TIMEOUT_MS });
        }
      } finally {
        await serve.stop(5_000);
      }
    }
  } finally {
    await slapd.stop();
  }
  return { users: USERS, runs };
}

export function renderLogins(r: LoginsBenchResult): string {
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  return [
    `${r.users} distinct users logging in once each (each answer checked to hold that user's own account), from one address, loopback in a lab host; each user must have it within Jitsi's 10 s`,
    '| site | at a time | req/s | p50 (ms) | p99 (ms) | slowest (ms) | errors | all 500 within 10 s |',
    '|---|---|---|---|---|---|---|---|',
    ...r.runs.map(
      (x) =>
        `| ${x.site} | ${x.concurrency} | ${f(x.rps)} | ${f(x.latencyMs.median)} | ${f(x.latencyMs.p99)} | ${f(x.latencyMs.max)} | ${x.errors} | ${x.met ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}

export const loginsSection: BenchSection<LoginsBenchResult> = {
  id: 'logins',
  title: 'provdisc serve: 500 users logging in (users file, directory, open site)',
  peers: ['slapd'],
  run: (ctx) => benchLogins(ctx.server, ctx.log),
  headlines: (r) =>
    r.runs
      .filter((x) => x.concurrency === r.users && x.site !== defined(SITES[0]).name)
      .map((x) => {
        const anchor = defined(r.runs.find((a) => a.site === defined(SITES[0]).name && a.concurrency === x.concurrency));
        return {
          figure: `${r.users} users logging in at once, ${x.site.replace(/ \(.*\)$/, '')}: slowest answer (ms)`,
          provdisc: `${x.latencyMs.max.toFixed(0)} (${x.errors} errors)`,
          anchor: `open site ${anchor.latencyMs.max.toFixed(0)}`,
          target: `every user's own account within ${JITSI_TIMEOUT_MS / 1000} s`,
          met: x.met,
        };
      }),
  details: renderLogins,
};
