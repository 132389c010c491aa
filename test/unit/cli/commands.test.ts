import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { action } from '../../../src/cli/common.js';
import { reportOutputError } from '../../../src/cli/index.js';
import { MdnsTransport } from '../../../src/bonjour/transport.js';
import { expectUsageError, runCli } from './run-cli.js';
import { useTempDir } from '../temp-dir.js';

const root = new URL('../../..', import.meta.url).pathname;

const { file } = useTempDir('provdisc-cli-');
afterEach(() => {
  vi.restoreAllMocks();
});

// whatever interfaces the test machine has (none, in some containers), discovery runs on none
vi.mock('../../../src/util/network-interfaces.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/util/network-interfaces.js')>()),
  selectInterfaces: () => [],
}));

/** No test may open a multicast socket: discovery gets a channel that hears nothing. */
function silentNetwork() {
  const channel = Object.assign(new EventEmitter(), { interfaces: [], sharedSending: [], send: async () => {}, close: async () => {} });
  return vi.spyOn(MdnsTransport, 'open').mockResolvedValue(channel as unknown as MdnsTransport);
}

describe('provdisc discover', () => {
  it.each([
    [['--name', 'Provisioning..URL'], /--name "Provisioning\.\.URL" holds a dot/],
    [['--name', 'x'.repeat(64)], /--name "x+" is 64 bytes/],
    [['--timeout', '0'], /--timeout is "0", not a number of milliseconds/],
  ])('%j is refused before any socket opens', async (args, message) => {
    const open = silentNetwork();
    expectUsageError(await runCli('discover', ...args), message);
    expect(open).not.toHaveBeenCalled();
  });

  it('says which instance it found nothing for, and exits 2', async () => {
    silentNetwork();
    const r = await runCli('discover', '--timeout', '10');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no complete answer for "Provisioning URL"');
    expect((await runCli('discover', '--timeout', '10', '--name', 'Other')).stderr).toContain('no complete answer for "Other"');
  });
});

describe('provdisc expand', () => {
  it('names a template that is not a URL, with the fix', async () => {
    const r = await runCli('expand', 'https://h:99999/p?u=${username}&p=${password}');
    expectUsageError(r, /"https:\/\/h:99999\/p" has an invalid port "99999"/);
    expect(r.stdout).toBe('');
    expectUsageError(await runCli('expand', 'ftp://h/p'), /the URI template's scheme is "ftp"/);
  });

  it('checks --timeout before discovering', async () => {
    const open = silentNetwork();
    expectUsageError(await runCli('expand', '--discover', '--timeout', '1.5'), /--timeout is "1\.5"/);
    expect(open).not.toHaveBeenCalled();
  });

  it('says once that the configuration file is missing', async () => {
    const r = await runCli('expand', '--config', file('nope.ini'));
    expect(r.stderr).toBe(`provdisc: error: the configuration file ${file('nope.ini')} does not exist\n  fix: check the path given to --config\n`);
  });

  it('keeps ${uuid} in the uuid-file of the configuration (relative to it); --uuid-file wins', async () => {
    writeFileSync(file('provdisc.ini'), 'template = https://h.example/p?id=${uuid}\n[expand]\nuuid-file = state/uuid\n');
    const fromFile = await runCli('expand', '--config', file('provdisc.ini'), '--json');
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout).values.uuid).toBe(readFileSync(file('state/uuid'), 'utf8').trim());
    const fromFlag = await runCli('expand', '--config', file('provdisc.ini'), '--uuid-file', file('flag-uuid'), '--json');
    expect(JSON.parse(fromFlag.stdout).values.uuid).toBe(readFileSync(file('flag-uuid'), 'utf8').trim());
  });
});

describe('provdisc provision', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    // accepts the request and never answers
    server = http.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('takes the request timeout from the configuration file; --request-timeout wins', async () => {
    writeFileSync(file('provdisc.ini'), `template = ${base}/p.php?os=\${osname}\n[provision]\nrequest-timeout = 50\n`);
    expectUsageError(await runCli('provision', '--config', file('provdisc.ini')), /no answer from 127\.0\.0\.1:\d+ within 50 ms/);
    expectUsageError(await runCli('provision', '--config', file('provdisc.ini'), '--request-timeout', '60'), /no answer from 127\.0\.0\.1:\d+ within 60 ms/);
    expectUsageError(await runCli('provision', '--config', file('provdisc.ini'), '--request-timeout', 'soon'), /--request-timeout is "soon"/);
  });
});

describe('standard output failing', () => {
  let stderr: string;
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  const failure = (code: string) => Object.assign(new Error(`${code}: something, write`), { code });

  it('a reader that went away (EPIPE) is no error', () => {
    reportOutputError(failure('EPIPE'));
    expect(stderr).toBe('');
    expect(process.exitCode).toBeUndefined();
  });

  it('anything else is reported like any error, and the exit code is 1', () => {
    reportOutputError(failure('ENOSPC'));
    expect(stderr).toMatch(/^provdisc: error: cannot write to standard output: ENOSPC: something, write\n {2}fix: /);
    expect(process.exitCode).toBe(1);
  });

  it('an action that ends well afterwards does not turn it back into 0', async () => {
    await action(() => {
      reportOutputError(failure('EIO'));
      return 0;
    })();
    expect(process.exitCode).toBe(1);
  });

  it.skipIf(!existsSync('/dev/full'))('provdisc expand > /dev/full: a message, no stack trace, exit code 1', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [path.join(root, 'bin/provdisc'), 'expand', 'https://h.example/p?os=${osname}'], {
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
      });
      expect(r.stderr).toMatch(/^provdisc: error: cannot write to standard output: ENOSPC/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status).toBe(1);
    } finally {
      closeSync(full);
    }
  });
});
