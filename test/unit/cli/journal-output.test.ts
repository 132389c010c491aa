/**
 * Under journald (systemd's JOURNAL_STREAM names the stream): one line per event, led by its syslog
 * priority, no colour; anywhere else the output is unchanged. In-process with JOURNAL_STREAM set to
 * this process's own stderr and stdout, then `provdisc serve` as systemd runs it: both streams into
 * one file that JOURNAL_STREAM names.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { info, printProblem, reportError, warn } from '../../../src/cli/common.js';
import { viaEventPrinter } from '../../../src/cli/advertise-command.js';
import { isJournalStream } from '../../../src/cli/output.js';
import { UsageError } from '../../../src/util/errors.js';
import type { ViaEvent } from '../../../src/via/advertise-via.js';
import { writeSite } from '../server/site-fixture.js';
import { defined } from '../../defined.js';

const BIN = path.resolve(import.meta.dirname, '../../../bin/provdisc');

/** What the journal's stream would be: this process's stderr, by device and inode. */
const streamOf = (fd: number) => {
  const s = fstatSync(fd, { bigint: true });
  return `${s.dev}:${s.ino}`;
};

function capture() {
  const written = { stdout: '', stderr: '' };
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((written.stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((written.stderr += String(chunk)), true));
  return written;
}

const saved = process.env.JOURNAL_STREAM;
afterEach(() => {
  vi.restoreAllMocks();
  if (saved === undefined) delete process.env.JOURNAL_STREAM;
  else process.env.JOURNAL_STREAM = saved;
});

function everyMessage(out: ReturnType<typeof capture>) {
  info('serving http://127.0.0.1:8080/prov');
  warn('the answer has no profile');
  reportError(new UsageError('listen = 10.9.9.9:8080: 10.9.9.9 is not an address of this machine', 'change listen in [serve]'));
  reportError(new Error('read ECONNRESET'));
  printProblem({ code: 'no-service', message: 'line 3: no <service> element', fix: 'write the file with provdisc avahi' });
  return out.stderr;
}

describe('the human output under journald', () => {
  beforeEach(() => {
    delete process.env.JOURNAL_STREAM;
  });

  it('carries <3> for errors (fix on the same line), <4> for warnings, <6> for information; no colour', () => {
    process.env.JOURNAL_STREAM = streamOf(2);
    expect(isJournalStream('stderr')).toBe(true);
    const stderr = everyMessage(capture());
    expect(stderr).toBe(
      [
        '<6>provdisc: serving http://127.0.0.1:8080/prov',
        '<4>provdisc: warning: the answer has no profile',
        '<3>provdisc: error: listen = 10.9.9.9:8080: 10.9.9.9 is not an address of this machine; fix: change listen in [serve]',
        '<3>provdisc: error: read ECONNRESET',
        '<3>provdisc: problem: line 3: no <service> element; fix: write the file with provdisc avahi',
        '',
      ].join('\n'),
    );
    expect(stderr).not.toContain('\x1b');
  });

  it('is unchanged when JOURNAL_STREAM is unset, or names another stream (a child whose output was redirected)', () => {
    const plain = [
      'provdisc: serving http://127.0.0.1:8080/prov',
      'provdisc: warning: the answer has no profile',
      'provdisc: error: listen = 10.9.9.9:8080: 10.9.9.9 is not an address of this machine',
      '  fix: change listen in [serve]',
      'provdisc: error: read ECONNRESET',
      'provdisc: problem: line 3: no <service> element',
      '  fix: write the file with provdisc avahi',
      '',
    ].join('\n');
    expect(everyMessage(capture())).toBe(plain);
    vi.restoreAllMocks();
    process.env.JOURNAL_STREAM = '8:1';
    expect(everyMessage(capture())).toBe(plain);
  });

  it("advertise's and serve's event lines: <6> on stdout, trouble <4> or <3> on stderr; --json lines stay bare JSON", () => {
    const events: ViaEvent[] = [
      { event: 'announced', via: ['dhcp'], template: 'http://h/p', interfaces: [], dhcp: { port: 6767, interfaces: ['eth0'] } },
      {
        event: 'shared-socket',
        sockets: [{ interface: 'eth0', address: '192.0.2.1', code: 'EADDRINUSE' }],
        message: 'cannot bind 192.0.2.1:5353 on eth0 (EADDRINUSE)',
      },
      { event: 'error', from: '192.0.2.9', interface: 'eth0', error: 'boom' },
    ];
    // under systemd both are one stream; here each is checked with JOURNAL_STREAM naming it
    process.env.JOURNAL_STREAM = streamOf(2);
    const trouble = capture();
    events.forEach(viaEventPrinter(false));
    expect(trouble.stderr).toBe(
      '<4>provdisc: warning: cannot bind 192.0.2.1:5353 on eth0 (EADDRINUSE)\n<3>provdisc: error: could not handle a packet from 192.0.2.9 on eth0: boom; still advertising\n',
    );
    vi.restoreAllMocks();
    process.env.JOURNAL_STREAM = streamOf(1);
    const human = capture();
    events.forEach(viaEventPrinter(false));
    expect(human.stdout).toBe('<6>answering DHCPINFORM for option 224 on UDP 6767 (eth0): http://h/p\n');
    vi.restoreAllMocks();
    const json = capture();
    events.forEach(viaEventPrinter(true));
    expect(
      json.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ViaEvent),
    ).toEqual(events);
  });
});

describe('provdisc serve as systemd runs it: stdout and stderr into the journal stream JOURNAL_STREAM names', () => {
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('every event is one line with its priority: listening, a request, a failed reload (error with its fix, then the warning), stopped', async () => {
    const { dir, site } = writeSite({
      'site.ini': '[serve]\nlisten = 127.0.0.1:0\ntemplate = http://127.0.0.1/prov?osname=${osname}\n[profile all]\nproperties = all.properties\n',
      'all.properties': 'a=b\n',
    });
    const journal = path.join(dir, 'journal');
    const fd = openSync(journal, 'w');
    child = spawn(process.execPath, [BIN, 'serve', '--config', site], { stdio: ['ignore', fd, fd], env: { ...process.env, JOURNAL_STREAM: streamOf(fd) } });
    closeSync(fd);
    const read = () => readFileSync(journal, 'utf8');
    const url = defined(defined(/(http:\/\/127\.0\.0\.1:\d+)/.exec(await until(read, /serving http/)))[1]);
    expect(await post(`${url}/prov`, 'osname=Linux')).toBe(200);
    await until(read, / → 200 /);
    writeFileSync(site, '[serve]\nlisten = 127.0.0.1:0\n');
    child.kill('SIGHUP');
    await until(read, /reload failed/);
    const exited = new Promise((resolve) => defined(child).on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines = read().split('\n').filter(Boolean);
    expect(
      lines.every((l) => /^<[346]>/.test(l)),
      read(),
    ).toBe(true);
    expect(read()).not.toContain('\x1b');
    expect(lines[0]).toMatch(/^<4>provdisc: warning: .*http/);
    expect(lines).toContainEqual(expect.stringMatching(/^<6>serving http:\/\/127\.0\.0\.1:\d+\/prov for /));
    expect(lines).toContainEqual(expect.stringMatching(/^<6>\S+ 127\.0\.0\.1 POST \/prov Linux → 200 \[all\] [\d.]+ ms$/));
    expect(lines).toContainEqual(expect.stringMatching(/^<3>provdisc: error: .*site\.ini.*; fix: /));
    expect(lines).toContainEqual(`<4>provdisc: warning: reload failed: still serving the previous site from ${site}`);
    expect(lines.at(-1)).toBe('<6>stopped; requests by status: {"200":1}');
  }, 30_000);
});

async function until(read: () => string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = read();
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never printed ${pattern}:\n${read()}`);
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
