/**
 * What a Jitsi client makes of its provisioning server's answers (HttpUtils, ProvisioningServiceImpl),
 * as `provdisc provision` tells it: a server on loopback (a TCP server needs no LAN) answering 303,
 * 302, 403, 429, 500, stalling for 12 s, or showing a certificate for another host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from '../unit/certificates.js';
import { runCli } from '../unit/cli/run-cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-client-http-'));
const servers: http.Server[] = [];
const timers = new Set<NodeJS.Timeout>();
let base = '';
let wrongHost = '';
let caFile = '';

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('end', () => {
    switch (req.url) {
      case '/see-other':
        return void res.writeHead(303, { Location: '/answer' }).end();
      case '/answer':
        return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n');
      case '/found':
        return void res.writeHead(302, { Location: '/answer' }).end();
      case '/forbidden':
        return void res.writeHead(403).end();
      case '/busy':
        return void res.writeHead(429, { 'Retry-After': '60' }).end();
      case '/fail':
        return void res.writeHead(500).end();
      case '/stall': {
        const timer = setTimeout(() => res.writeHead(200).end('a=1\n'), 12_000);
        timers.add(timer);
        return;
      }
      default:
        res.writeHead(404).end();
    }
  });
}

function listen(server: http.Server, host: string): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  const certs = makeCertificates(dir);
  caFile = certs.caFile;
  base = `http://127.0.0.1:${await listen(http.createServer(handler), '127.0.0.1')}`;
  // the certificate names 127.0.0.1 and localhost; the client asks for 127.0.0.2
  wrongHost = `https://127.0.0.2:${await listen(https.createServer({ key: certs.key, cert: certs.cert }, handler), '127.0.0.2')}`;
}, 60_000);

afterAll(async () => {
  for (const t of timers) clearTimeout(t);
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

const provision = (url: string, ...args: string[]) => runCli('provision', `${url}?osname=\${osname}`, '--ca-file', caFile, ...args);

describe("the client's verdict on each answer of its provisioning server", () => {
  it('303: a GET of the Location without the form, and the answer is used', async () => {
    const run = await provision(`${base}/see-other`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/see-other → 303 \(Location: \/answer\)\nGET http:\/\/127\.0\.0\.1:\d+\/answer → 200\n/);
  });

  it('302 to the POST: not followed, the client gives up silently', async () => {
    const run = await provision(`${base}/found`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 302 Found to the POST, which the client does not follow after a POST \(only a 303\): the client gives up silently/);
  });

  it('403: the client asks for the credentials again', async () => {
    const run = await provision(`${base}/forbidden`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 403 Forbidden to the POST .*: the client asks for the credentials again \("authentication failed"\)/);
  });

  it('429 and 500: the client gives up silently; with provisioning.MANDATORY it shows the failure and stops', async () => {
    for (const [path, status] of [
      ['/busy', '429 Too Many Requests'],
      ['/fail', '500 Internal Server Error'],
    ]) {
      const run = await provision(`${base}${path}`);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`answered ${status} to the POST: the client gives up silently (nothing is shown; it starts with the configuration it had)`);
    }
    const client = path.join(dir, 'mandatory.properties');
    writeFileSync(client, 'net.java.sip.communicator.plugin.provisioning.MANDATORY=true\n');
    const run = await provision(`${base}/busy`, '--config-file', client);
    expect(run.stderr).toMatch(/answered 429 Too Many Requests to the POST: the client shows "provisioning failed" and stops/);
  });

  it('a server stalling for 12 s: the client stops waiting after 10 s and gives up silently', async () => {
    const run = await provision(`${base}/stall`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no answer from 127\.0\.0\.1:\d+ within 10000 ms to the POST: the client gives up silently/);
  }, 30_000);

  it('a certificate for another host: the client shows its certificate dialog', async () => {
    const run = await provision(`${wrongHost}/answer`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /the certificate of 127\.0\.0\.2:\d+ is not trusted \(ERR_TLS_CERT_ALTNAME_INVALID: .*\): the client shows its certificate dialog for 127\.0\.0\.2:\d+; if its user accepts, provisioning goes on/,
    );
  });
});
