import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertPrivateNetns } from '../lab/guard.js';
import { REPO_ROOT } from '../lab/host.js';
import { createLab, type Lab } from '../lab/lab.js';
import { listNamespaces } from '../lab/namespaces.js';
import { zeroconfRegister, zeroconfResolve } from '../lab/peers.js';
import { runBounded, spawnProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { defined } from '../defined.js';

const need = requirePeers(['zeroconf']);
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const LINK_LOCAL = /^fe80::/;

/** The machine's own interfaces and addresses, to check a lab leaves them alone. */
function rootInterfaces(): unknown {
  const out = spawnSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8' }).stdout;
  return (JSON.parse(out) as { ifname: string; address: string; addr_info: { local: string }[] }[]).map((l) => ({
    name: l.ifname,
    mac: l.address,
    addresses: l.addr_info.map((a) => a.local).sort(),
  }));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A tiny HTTP server inside a lab host answering with its own hostname. */
async function serveHostname(lab: Lab, key: string) {
  const server = lab
    .host(key)
    .spawn(process.execPath, ['-e', "require('http').createServer((q,s)=>s.end(require('os').hostname())).listen(8080,'::',()=>console.log('listening'))"]);
  await server.waitForLine(/^listening$/, 10_000);
  return server;
}

describe('assertPrivateNetns', () => {
  test("throws in the machine's own network namespace", () => {
    expect(() => assertPrivateNetns()).toThrow(/machine's own network namespace/);
  });
});

describe(`lab: two hosts, no default route${need.note}`, { skip: need.skip }, () => {
  let before: unknown;
  beforeAll(() => {
    before = rootInterfaces();
  });
  const lab = useLab({ topology: 'pair' }, need);

  test('each host has its own namespace, address, IPv6 link-local address and hostname', async () => {
    const [a, b] = lab().hosts;
    const namespaces = await listNamespaces();
    for (const host of [defined(a), defined(b)]) {
      expect(namespaces).toContain(host.ns);
      expect(host.ns).toMatch(/^pd-[0-9a-f]{6}-[ab]$/);
      const [eth0] = host.interfaces;
      expect(eth0?.ipv6LinkLocal).toMatch(LINK_LOCAL);
      const shown = await host.run('ip', ['-br', 'addr', 'show', 'dev', 'eth0']);
      expect(shown.stdout).toContain(`${defined(eth0).ipv4}/24`);
      expect(shown.stdout).toContain(defined(eth0).ipv6LinkLocal);
      expect(shown.stdout).not.toContain('tentative');
      const named = await host.run(process.execPath, ['-e', 'console.log(require("os").hostname())']);
      expect(named.stdout.trim()).toBe(host.name);
      expect(fs.readFileSync(`/etc/netns/${host.ns}/hosts`, 'utf8')).toContain(`${defined(eth0).ipv4}\t${host.name}`);
    }
    expect(defined(a).ipv4).toBe('198.51.100.1');
    expect(defined(b).ipv4).toBe('198.51.100.2');
    expect(os.hostname()).not.toBe(defined(a).name);
  });

  test('hosts reach each other over IPv4 and over IPv6 link-local at once', async () => {
    const server = await serveHostname(lab(), 'a');
    const a = lab().host('a');
    const b = lab().host('b');
    const v4 = await b.run('curl', ['-sS', '--max-time', '3', `http://${a.ipv4}:8080/`]);
    expect(v4.stdout).toBe(a.name);
    const v6 = await b.run('curl', ['-sS', '-g', '--max-time', '3', `http://[${defined(a.interfaces[0]).ipv6LinkLocal}%eth0]:8080/`]);
    expect(v6.stdout).toBe(a.name);
    await server.stop();
  });

  test("has no default route, and no route to the machine's own addresses", async () => {
    const a = lab().host('a');
    const routes = await a.run('ip', ['route', 'show', 'default']);
    expect(routes.code).toBe(0);
    expect(routes.stdout.trim()).toBe('');
    const machineAddress = (rootInterfaces() as { name: string; addresses: string[] }[])
      .flatMap((i) => (i.name === 'lo' ? [] : i.addresses))
      .find((addr) => /^\d+\.\d+\.\d+\.\d+$/.test(addr));
    if (machineAddress) {
      const route = await a.run('ip', ['route', 'get', machineAddress]);
      expect(route.stderr).toMatch(/unreachable/i);
    }
  });

  test("cannot reach a server on the machine's loopback", async () => {
    const server = http.createServer((_, res) => res.end('machine'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const fromRoot = await runBounded('curl', ['-sS', '--max-time', '3', `http://127.0.0.1:${port}/`]);
      expect(fromRoot.stdout).toBe('machine');
      const fromLab = await lab()
        .host('a')
        .run('curl', ['-sS', '--max-time', '3', `http://127.0.0.1:${port}/`]);
      expect(fromLab.code).not.toBe(0);
      expect(fromLab.stdout).not.toBe('machine');
    } finally {
      server.close();
    }
  });

  test('the guard passes inside a lab host', async () => {
    const guard = path.join(REPO_ROOT, 'test/lab/guard.ts');
    const run = await lab()
      .host('b')
      .run(TSX, ['-e', `import(${JSON.stringify(guard)}).then((m) => { m.assertPrivateNetns(); console.log('private'); })`]);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('private');
  });

  test('multicast DNS-SD goes between the hosts (python-zeroconf register in a, resolve in b)', async () => {
    const txt = ['path=https://prov.example.org/p.php', 'user=${username}', 'os=${osname}'];
    const registration = await zeroconfRegister(lab().host('a'), { txt, server: 'provisioning.local.', port: 443 });
    try {
      const [found] = await zeroconfResolve(lab().host('b'));
      expect(found).toMatchObject({
        found: true,
        name: 'Provisioning URL._https._tcp.local.',
        server: 'provisioning.local.',
        port: 443,
        addresses: [lab().host('a').ipv4],
        txt,
      });
    } finally {
      await registration.stop();
    }
  });

  test("leaves the machine's interfaces as they were", () => {
    expect(rootInterfaces()).toEqual(before);
  });

  test("close() kills the hosts' processes and removes namespaces and files, and can be called twice", async () => {
    const own = await createLab({ topology: 'pair' });
    const sleeper = own.host('a').spawn('sleep', ['600']);
    const dir = own.host('a').workDir;
    await own.close();
    await own.close();
    const namespaces = await listNamespaces();
    for (const host of own.hosts) {
      expect(namespaces).not.toContain(host.ns);
      expect(fs.existsSync(`/etc/netns/${host.ns}`)).toBe(false);
    }
    expect(processAlive(sleeper.pid)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe(`lab cleanup when things go wrong${need.note}`, { skip: need.skip }, () => {
  beforeAll(() => need.assert());
  const out = path.join(os.tmpdir(), `pd-fixture-${process.pid}.json`);
  afterAll(() => fs.rmSync(out, { force: true }));

  test('a failing test body still leaves no namespace or process behind', async () => {
    const run = await runBounded(path.join(REPO_ROOT, 'node_modules/.bin/vitest'), ['run', '--config', 'test/lab/fixtures/vitest.fixture.config.ts'], {
      timeoutMs: 90_000,
      env: { ...process.env, PD_FIXTURE_OUT: out },
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/deliberately failing/);
    const left = JSON.parse(fs.readFileSync(out, 'utf8')) as { namespaces: string[]; pid: number };
    expect(left.namespaces).toHaveLength(2);
    const namespaces = await listNamespaces();
    for (const ns of left.namespaces) expect(namespaces).not.toContain(ns);
    expect(processAlive(left.pid)).toBe(false);
  });

  test('the next lab sweeps away what a crashed run left, and keeps live labs', async () => {
    const live = await createLab({ topology: 'pair' });
    try {
      const crashing = spawnProcess(TSX, [path.join(REPO_ROOT, 'test/lab/fixtures/crash-lab.ts')]);
      const line = await crashing.waitForLine(/^\{"namespaces"/, 30_000);
      const { namespaces: orphaned } = JSON.parse(line) as { namespaces: string[] };
      crashing.kill('SIGKILL');
      await crashing.exited;
      expect(await listNamespaces()).toEqual(expect.arrayContaining(orphaned));

      const next = await createLab({ topology: 'pair' });
      await next.close();
      const namespaces = await listNamespaces();
      for (const ns of orphaned) expect(namespaces).not.toContain(ns);
      for (const host of live.hosts) expect(namespaces).toContain(host.ns);
    } finally {
      await live.close();
    }
  });
});

describe(`lab topologies${need.note}`, { skip: need.skip }, () => {
  beforeAll(() => need.assert());

  test('bridge: three hosts on one link', async () => {
    const lab = await createLab({ topology: 'bridge' });
    try {
      const server = await serveHostname(lab, 'a');
      for (const key of ['b', 'c']) {
        const host = lab.host(key);
        expect(host.ipv4).toBe(key === 'b' ? '198.51.100.2' : '198.51.100.3');
        const got = await host.run('curl', ['-sS', '--max-time', '3', `http://198.51.100.1:8080/`]);
        expect(got.stdout).toBe(lab.host('a').name);
      }
      await server.stop();
    } finally {
      await lab.close();
    }
  });

  test('two links: a sits on both, b and c only see a; default route on request', async () => {
    const lab = await createLab({ topology: 'two-links', defaultRoute: true });
    try {
      const a = lab.host('a');
      expect(a.interfaces.map((i) => [i.name, i.ipv4])).toEqual([
        ['eth0', '198.51.100.1'],
        ['eth1', '203.0.113.1'],
      ]);
      expect(lab.host('c').ipv4).toBe('203.0.113.3');
      const routes = await lab.host('b').run('ip', ['route', 'show', 'default']);
      expect(routes.stdout).toMatch(/^default via 198\.51\.100\.254 dev eth0/);
      const server = await serveHostname(lab, 'a');
      const fromC = await lab.host('c').run('curl', ['-sS', '--max-time', '3', 'http://203.0.113.1:8080/']);
      expect(fromC.stdout).toBe(a.name);
      const server2 = await serveHostname(lab, 'b');
      const cToB = await lab.host('c').run('curl', ['-sS', '--max-time', '2', 'http://198.51.100.2:8080/']);
      expect(cToB.code).not.toBe(0);
      await Promise.all([server.stop(), server2.stop()]);
    } finally {
      await lab.close();
    }
  });
});
