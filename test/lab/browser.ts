/**
 * A real browser for the status page's tests: Debian's chromium, driven by playwright-core (which
 * never downloads a browser) with a fresh profile each launch, and a way for it to reach a server
 * listening on a lab host's loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { LabHost } from './host.js';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium with a profile of its own, removed at close. `resolve`: names the browser takes for the
 * given addresses without asking any DNS server (what a rebinding attacker's DNS would answer).
 */
export async function launchChromium(resolve: Record<string, string> = {}): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'provdisc-chromium-'));
  const rules = Object.entries(resolve).map(([name, address]) => `MAP ${name} ${address}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // a plain http:// name is not tried over https first
    args: [...ARGS, ...(rules.length > 0 ? [`--host-resolver-rules=${rules.join(',')}`, '--disable-features=HttpsUpgrades'] : [])],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Pipes each connection to `connect()`, closing both ends together. */
function relay(from: net.Socket, to: net.Socket): void {
  from.pipe(to).pipe(from);
  from.on('error', () => to.destroy());
  to.on('error', () => from.destroy());
}

// run by node inside the lab host: its loopback port, offered on a Unix socket
const IN_HOST = `const net = require('node:net'); const [socket, port] = process.argv.slice(1);
net.createServer((c) => { const u = net.connect(Number(port), '127.0.0.1'); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
  .listen(socket, () => console.log('relay ready'));`;

/**
 * `host`'s 127.0.0.1:`port` as a URL on this machine's loopback: a Unix socket (which no network
 * namespace confines) joins a relay inside the host to one here. The browser then talks to the
 * server as an admin on that machine would, and nothing listens beyond loopback on either side.
 */
export async function reachLoopbackOf(host: LabHost, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const socket = path.join(host.workDir, `loopback-${port}.sock`);
  const inHost = host.spawn(process.execPath, ['-e', IN_HOST, socket, String(port)]);
  await inHost.waitForLine(/relay ready/, 10_000);
  const open = new Set<net.Socket>();
  const here = net.createServer((c) => {
    open.add(c);
    c.on('close', () => open.delete(c));
    relay(c, net.connect(socket));
  });
  await new Promise<void>((resolve) => here.listen(0, '127.0.0.1', resolve));
  const { port: local } = here.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${local}`,
    close: async () => {
      for (const c of open) c.destroy();
      here.close();
      await inHost.stop();
    },
  };
}
