/**
 * `serve`: the provisioning server for a site file, optionally advertising its template (via);
 * `serve --check`: the site checked, and the answer a client with given fields would get.
 */
import type { Command } from 'commander';
import { PASSWORD_MASK } from '../client/placeholders.js';
import { checkAccounts, describeAccounts, type AccountCheck } from '../server/accounts.js';
import { DirectoryUnavailableError } from '../server/directory.js';
import type { Lint } from '../client/answer-lints.js';
import { checkSite } from '../server/site-lints.js';
import type { HandshakeFailure, RequestRecord } from '../server/server.js';
import { loadSite, type Site } from '../server/site.js';
import type { AdminLogin } from '../admin/auth-plugin.js';
import { startService, type Service } from '../service/service.js';
import { UsageError } from '../util/errors.js';
import { escapeControls, jsonLine } from '../util/printable.js';
import { viaEventPrinter } from './advertise-command.js';
import { action, collect, EXIT_ERROR, EXIT_OK, info, inFlags, reportError, warn } from './common.js';
import { batchedLines, formatEvent, isJournalStream } from './output.js';
import { inventoryLabel } from '../inventory/inventory.js';

interface ServeFlags {
  config?: string;
  check?: string;
  set?: string[];
  json?: boolean;
}

function summary(site: Site): string {
  const users = site.users ? `, ${site.users.table.size} user(s) from ${site.users.file}` : site.login ? `, login = ${site.login}` : ', no login';
  const accounts = site.accounts ? `, ${describeAccounts(site.accounts)}` : '';
  const via = site.via.length > 0 ? `, advertised via ${site.via.join(' and ')}` : '';
  const expires = site.tls ? `, certificate valid until ${site.tls.certificate.notAfter}` : '';
  const inventory = site.inventory ? `, inventory ${inventoryLabel(site.inventory.setting)} (${site.inventory.days} days)` : '';
  return `${site.profiles.length} profile(s) (${site.profiles.map((p) => p.name).join(', ')})${users}${accounts}${via}${expires}${inventory}`;
}

function siteJson(site: Site) {
  return {
    file: site.file,
    listen: `${site.listen.host}:${site.listen.port}`,
    scheme: site.scheme,
    template: site.template,
    path: site.path,
    login: site.login ?? null,
    users: site.users ? site.users.table.size : null,
    accounts: accountsJson(site),
    certificate: site.tls ? { subject: site.tls.certificate.subject, names: site.tls.certificate.names, notAfter: site.tls.certificate.notAfter } : null,
    via: site.via,
    inventory: site.inventory ? { setting: inventoryLabel(site.inventory.setting), days: site.inventory.days } : null,
    profiles: site.profiles.map((p) => ({ name: p.name, match: Object.fromEntries(p.match.map((m) => [m.field, m.pattern])), properties: p.file })),
  };
}

function accountsJson(site: Site) {
  const source = site.accounts?.source;
  if (!source) return null;
  if (source.kind === 'csv') return { source: source.table.file, key: source.keyField, accounts: source.table.rows.size, fields: site.accounts?.fields };
  const { url, base, filter } = source.directory.settings;
  return { source: url, base, filter, fields: site.accounts?.fields };
}

/** What --check found about the accounts, in words; an error when no sampled entry has a mapped attribute. */
function describeAccountCheck(form: ReadonlyMap<string, string>, found: AccountCheck): { lines: string[]; error: UsageError | undefined } {
  const lines: string[] = [];
  let error: UsageError | undefined;
  if (found.sample) {
    const { entries, missing } = found.sample;
    lines.push(`the directory answers: ${entries} sample entr${entries === 1 ? 'y' : 'ies'} read`);
    if (entries === 0) warn('the filter finds no entry under base, whatever the fields: check base and filter in [accounts]');
    else if (missing.length > 0)
      error = new UsageError(
        `no sample entry has ${missing.join(', ')}`,
        'check the map.FIELD = attribute lines of [accounts] (attribute names as the directory spells them)',
      );
  }
  const who = found.by.map((k) => `${k}=${JSON.stringify(form.get(k) ?? '')}`).join(' ');
  if (found.lookedUp)
    lines.push(found.account ? `${who} has an account (fields: ${[...found.account.keys()].join(', ') || 'none mapped'})` : `${who} has no account`);
  return { lines, error };
}

/** One log line; every value a client chose (path, fields, the reason quoting them) is escaped, so none can forge a line. */
function describeRequest(r: RequestRecord): string {
  const who = [r.username, r.osname, r.hwaddr].filter((v) => v !== null && v !== '').join(' ');
  const what = r.status === 200 && r.profiles.length > 0 ? ` [${r.profiles.join(', ')}]` : r.reason ? ` (${r.reason})` : '';
  const request = r.method === null ? '(unread request)' : `${r.method} ${r.path ?? ''}`;
  return escapeControls(`${r.time} ${r.client} ${request}${who ? ` ${who}` : ''} → ${r.status}${what} ${r.ms} ms`);
}

function describeAdminLogin(l: AdminLogin): string {
  return escapeControls(`${l.time} ${l.client} status page login ${l.user === null ? 'by a name that is no admin' : JSON.stringify(l.user)} → ${l.outcome}`);
}

function describeHandshakeFailure(f: HandshakeFailure): string {
  return escapeControls(`${f.time} ${f.client} TLS handshake failed (${f.reason})`);
}

/** `--set NAME=VALUE` as the posted form: the fields a client would send. */
function checkForm(site: Site, assignments: readonly string[]): Map<string, string> {
  const form = new Map(
    assignments.map((a): [string, string] => {
      const eq = a.indexOf('=');
      if (eq <= 0) throw new UsageError(`--set "${a}" is not field=value`, 'write it as --set osname=Linux (a form field the template posts)');
      return [a.slice(0, eq), a.slice(eq + 1)];
    }),
  );
  for (const name of form.keys()) {
    if (!site.fields.includes(name))
      throw new UsageError(`--set ${name}: the template posts no field "${name}"`, `use the template's fields: ${site.fields.join(', ')}`);
  }
  return form;
}

/** A finding of --check; notes (info) only with --json. */
function printLint(where: string, l: Lint): void {
  if (l.level === 'error') info(`error: ${where}: ${l.message}`);
  else if (l.level === 'warning') warn(`${where}: ${l.message}`);
}

async function checkSiteAccounts(site: Site, form: ReadonlyMap<string, string>): Promise<AccountCheck | undefined> {
  if (!site.accounts) return undefined;
  try {
    return await checkAccounts(site.accounts, form);
  } catch (err) {
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    throw new UsageError(
      `the directory cannot be asked: ${err.message}`,
      'check source (host, port, ldap:// or ldaps://), starttls, ca-file, bind-dn and bind-password-file in [accounts], and that the directory runs',
    );
  }
}

async function check(file: string, flags: ServeFlags): Promise<number> {
  const site = loadSite(file, warn);
  const form = checkForm(site, flags.set ?? []);
  const found = await checkSiteAccounts(site, form);
  const accounts = found ? describeAccountCheck(form, found) : { lines: [], error: undefined };
  const { answer, lints, profiles, failed } = checkSite(site, form, { account: found?.account });
  const shown = Object.fromEntries([...form].map(([k, v]) => [k, site.secretFields.has(k) && v !== '' ? PASSWORD_MASK : v]));
  if (flags.json) {
    const account = found
      ? {
          lookedUp: found.lookedUp,
          found: found.account !== undefined,
          fields: found.account ? [...found.account.keys()] : [],
          sample: found.sample ?? null,
          error: accounts.error?.message ?? null,
        }
      : null;
    process.stdout.write(
      jsonLine({ site: siteJson(site), form: shown, account, profiles: answer.profiles, answer: answer.text, lints, profileLints: profiles }),
    );
  } else {
    info(`${site.file}: OK; ${site.scheme} on ${site.listen.host}:${site.listen.port}, clients post to ${site.path}; ${summary(site)}`);
    for (const line of accounts.lines) info(line);
    if (accounts.error) reportError(accounts.error);
    for (const p of profiles) for (const l of p.lints) printLint(`profile ${p.profile} (${p.file}${l.line !== undefined ? ` line ${l.line}` : ''})`, l);
    info(
      `a client posting ${
        form.size === 0
          ? 'no field'
          : Object.entries(shown)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(' ')
      }${site.login ? ' (credentials not checked here)' : ''} gets profile(s): ${answer.profiles.join(', ') || '(none)'}`,
    );
    for (const l of lints) printLint(`answer${l.line !== undefined ? ` line ${l.line}` : ''}`, l);
    process.stdout.write(answer.text);
  }
  return failed || accounts.error ? EXIT_ERROR : EXIT_OK;
}

async function serve(file: string, flags: ServeFlags): Promise<number> {
  const site = loadSite(file, warn);
  // a line per request: batched; and whether stdout is the journal is asked once, not per line
  const write = batchedLines('stdout');
  const journal = isJournalStream('stdout');
  const print = (event: Record<string, unknown>, human: string) => {
    if (flags.json) write(jsonLine(event));
    else write(formatEvent('info', [human], journal));
  };
  // handlers go in before anything listens: a signal during start-up still closes cleanly
  let stopping: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (stopping = resolve));
  const stop = () => stopping?.();
  let service: Service | undefined;
  let reloadWaiting = false;
  const reload = () => {
    // a SIGHUP while starting is acted on once started, not lost
    if (!service) {
      reloadWaiting = true;
      return;
    }
    try {
      const next = loadSite(file, warn);
      for (const note of service.reload(next)) warn(note);
      print({ event: 'reloaded', file, profiles: next.profiles.map((p) => p.name) }, `reloaded ${file}: ${summary(next)}`);
    } catch (err) {
      reportError(err);
      warn(`reload failed: still serving the previous site from ${file}`);
      if (flags.json) print({ event: 'reload-failed', file, error: inFlags((err as Error).message) }, '');
    }
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.on('SIGHUP', reload);
  try {
    service = await startService(site, {
      warn,
      onListening: (url) => print({ event: 'listening', url, ...siteJson(site) }, `serving ${url}${site.path} for ${site.template}; ${summary(site)}`),
      onStatusPage: (url) =>
        print({ event: 'admin-listening', url }, `status page on ${url}; ${site.admin?.users.table.size ?? 0} admin(s) from ${site.admin?.users.file ?? ''}`),
      onRequest: (r) => print({ event: 'request', ...r }, describeRequest(r)),
      onHandshakeFailure: (f) => print({ event: 'tls-failed', ...f }, describeHandshakeFailure(f)),
      onAdminLogin: (l) => print({ event: 'admin-login', ...l }, describeAdminLogin(l)),
      onAdvertisement: viaEventPrinter(flags.json === true, write),
    });
    if (reloadWaiting) reload();
    await stopped;
    const totals = await service.close();
    const counts = Object.fromEntries([...totals.requests].sort(([a], [b]) => a - b));
    const tls = totals.tlsFailed !== undefined ? `; failed TLS handshakes: ${totals.tlsFailed}` : '';
    const health = totals.inventory;
    const recorded = health
      ? `; inventory: ${health.written} written, ${health.failed} failed write(s), ${health.pending} waiting, ${health.dropped} dropped`
      : '';
    print(
      {
        event: 'stopped',
        requests: counts,
        ...(totals.tlsFailed !== undefined ? { tlsFailed: totals.tlsFailed } : {}),
        ...(health ? { inventory: health } : {}),
      },
      `stopped; requests by status: ${JSON.stringify(counts)}${tls}${recorded}`,
    );
    return EXIT_OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', reload);
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('answer Jitsi clients with the properties of the profiles their form matches (the site file), optionally advertising the template')
    .option('-c, --config <site>', 'the site file (ini): [serve] and [profile NAME] sections; see docs/serve.md')
    .option('--check <site>', 'check the site file and print the answer a client with the --set fields would get; serves nothing')
    .option('--set <field=value>', 'with --check: a form field the client posts, e.g. --set osname=Linux (repeatable)', collect)
    .option('--json', 'one JSON object per line: listening, one per request, reloaded, stopped (never a password)')
    .addHelpText(
      'after',
      [
        '',
        'Signals: SIGHUP reloads the site file (a broken one is reported and the old site keeps serving);',
        'SIGTERM/SIGINT stop accepting, finish the requests in flight, send the Bonjour goodbyes and exit 0.',
        '',
        'Exit codes: 0 stopped by a signal, or --check passed; 1 bad site file, bad input, or an error.',
      ].join('\n'),
    )
    .action(
      action(async (flags: ServeFlags) => {
        if (flags.check !== undefined && flags.config !== undefined)
          throw new UsageError('both --check and --config given', 'use --check SITE to check, --config SITE to serve');
        if (flags.check !== undefined) return check(flags.check, flags);
        if (flags.set !== undefined) throw new UsageError('--set only applies to --check', 'drop --set, or add --check');
        if (flags.config === undefined) throw new UsageError('no site file given', 'provdisc serve --config site.ini (see docs/serve.md for its keys)');
        return serve(flags.config, flags);
      }),
    );
}
