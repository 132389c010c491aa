import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdminServer } from '../../../src/admin/admin-server.js';
import type { AdminLogin } from '../../../src/admin/auth-plugin.js';
import { DiscoveryHealth } from '../../../src/admin/discovery-health.js';
import { IDLE_MS } from '../../../src/admin/sessions.js';
import type { DeviceQuery, DeviceRow, InventorySummary } from '../../../src/inventory/inventory.js';
import type { VisitRecord } from '../../../src/inventory/records.js';
import type { AdminSettings } from '../../../src/server/admin-section.js';
import { LoginLimiter } from '../../../src/server/login-limiter.js';
import { hashPassword } from '../../../src/server/users.js';
import { defined } from '../../defined.js';
import { makeCertificates } from '../certificates.js';

// markup, and a right-to-left override that would show what follows it reversed
const HOSTILE = '<img src=x onerror=alert(1)>\u202Eexe.txt';
const ORIGIN = 'http://127.0.0.1:8444';

const device = (over: Partial<DeviceRow>): DeviceRow => ({
  id: 'u-1',
  uuid: 'u-1',
  hwaddr: 'aa:bb:cc:dd:ee:01',
  username: 'alice',
  osname: 'Linux',
  build: '2.10.5550',
  arch: 'x86_64',
  client: '198.51.100.2',
  firstSeen: '2026-12-01T08:00:00.000Z',
  lastSeen: '2026-12-02T08:00:00.000Z',
  lastStatus: 200,
  lastReason: null,
  profiles: ['common', 'linux'],
  requests: 3,
  ...over,
});

const SUMMARY: InventorySummary = {
  devices: 2,
  provisionedToday: 1,
  provisionedWeek: 2,
  failures: [{ status: 401, reason: 'wrong user name or password', count: 4 }],
  builds: [
    { build: '2.10.5550', count: 1 },
    { build: HOSTILE, count: 1 },
  ],
  os: [
    { os: 'Linux', count: 1 },
    { os: HOSTILE, count: 1 },
  ],
  lookedNeverPosted: [{ client: '198.51.100.9', method: 'bonjour', lastSeen: '2026-12-02T09:00:00.000Z' }],
};

/** The inventory's read side over a fixed list; the queries the pages ask are kept for the assertions. */
class ListInventory {
  readonly rows = [device({}), device({ id: 'u-2', uuid: 'u-2', hwaddr: 'aa:bb:cc:dd:ee:02', osname: HOSTILE, build: '2.8.1', username: 'bob' })];
  readonly queries: DeviceQuery[] = [];
  readonly listeners = new Set<(v: VisitRecord) => void>();
  failing = false;
  async devices(query: DeviceQuery = {}) {
    if (this.failing) throw new Error('database is locked');
    this.queries.push(query);
    const rows = this.rows.filter((r) => query.build === undefined || r.build === query.build);
    return { rows, total: rows.length };
  }
  async device(id: string) {
    const d = this.rows.find((r) => r.id === id);
    return d && { device: d, history: [] };
  }
  async summary() {
    return SUMMARY;
  }
  onVisit(listener: (v: VisitRecord) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  health() {
    return { backend: 'sqlite' as const, pending: 0, written: 5, failed: 0, dropped: 0, lastError: null };
  }
}

let settings: AdminSettings;
beforeAll(async () => {
  settings = {
    listen: { host: '127.0.0.1', port: 0 },
    users: { file: 'admins', table: new Map([['root', await hashPassword('adm1n', 1024)]]) },
    tls: undefined,
  };
});

const servers: AdminServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function start(options: { now?: () => number; limiter?: LoginLimiter; tls?: AdminSettings['tls'] } = {}) {
  const inventory = new ListInventory();
  const discovery = new DiscoveryHealth();
  const logins: AdminLogin[] = [];
  const { tls, ...rest } = options;
  const server = new AdminServer({ ...settings, tls }, { inventory, discovery, onLogin: (l) => logins.push(l), ...rest });
  servers.push(server);
  const login = (username: string, password: string, origin: string | null = tls ? ORIGIN.replace('http:', 'https:') : ORIGIN) =>
    server.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { host: '127.0.0.1:8444', 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
      payload: new URLSearchParams({ username, password }).toString(),
    });
  const session = async () => {
    const res = await login('root', 'adm1n');
    const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
    return Object.assign((url: string) => server.app.inject({ method: 'GET', url, headers: { cookie } }), { cookie });
  };
  return { server, inventory, discovery, logins, login, session };
}

describe('status page: login', () => {
  it('unauthenticated pages go to the login form; the API and the event stream answer 401', async () => {
    const { server } = start();
    const page = await server.app.inject('/admin/devices');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/admin/login');
    expect((await server.app.inject('/admin/api/devices')).statusCode).toBe(401);
    expect((await server.app.inject('/admin/events')).statusCode).toBe(401);
    expect((await server.app.inject('/admin/login')).body).toContain('<form class="login" method="post" action="/admin/login">');
  });

  it('a right password: a session cookie, HttpOnly, SameSite=Strict, Path=/admin (not Secure over plain http on loopback)', async () => {
    const { login, logins } = start();
    const res = await login('root', 'adm1n');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^provdisc_admin=[\w-]{43}; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(logins.map((l) => [l.user, l.outcome])).toEqual([['root', 'accepted']]);
  });

  it("over TLS (beyond loopback) the cookie is Secure, and the login's Origin must be https", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-admin-tls-'));
    const certs = makeCertificates(dir);
    const { login } = start({ tls: { cert: Buffer.from(certs.cert), key: Buffer.from(certs.key) } });
    expect(String((await login('root', 'adm1n')).headers['set-cookie'])).toMatch(/; Secure$/);
    expect((await login('root', 'adm1n', ORIGIN)).statusCode).toBe(403);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an admin removed from the admins file, or whose password changed, is logged out at the reload; the others stay', async () => {
    const { server, session } = start();
    const root = await session();
    expect((await root('/admin/api/summary')).statusCode).toBe(200);
    const rootHash = defined(settings.users.table.get('root'));
    // the same password for root: its session stays
    server.replaceSettings({ ...settings, users: { file: 'admins', table: new Map([['root', rootHash]]) } });
    expect((await root('/admin/api/summary')).statusCode).toBe(200);
    server.replaceSettings({ ...settings, users: { file: 'admins', table: new Map([['root', await hashPassword('n3w-pw', 1024)]]) } });
    expect((await root('/admin/api/summary')).statusCode).toBe(401);
    server.replaceSettings(settings);
    const again = await session();
    server.replaceSettings({ ...settings, users: { file: 'admins', table: new Map() } });
    expect((await again('/admin/api/summary')).statusCode).toBe(401);
  });

  it('a wrong password or an unknown admin is refused, and the page says so; no password in what is reported', async () => {
    const { login, logins } = start();
    for (const [user, password] of [
      ['root', 'wrong-pw'],
      ['nobody', 'adm1n'],
    ] as const) {
      const res = await login(user, password);
      expect(res.statusCode).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toContain('Wrong admin name or password.');
      expect(res.body).not.toContain(password);
    }
    expect(logins.map((l) => [l.user, l.outcome])).toEqual([
      ['root', 'refused'],
      [null, 'refused'],
    ]);
    expect(JSON.stringify(logins)).not.toMatch(/wrong-pw|adm1n/);
    // a password typed in the name box is no admin's name: it is not reported
    await login('S3cret-typed-as-name', 'x');
    expect(JSON.stringify(logins)).not.toContain('S3cret');
  });

  it('a login posted without Origin or from another origin is refused before any check', async () => {
    const { login, logins } = start();
    expect((await login('root', 'adm1n', null)).statusCode).toBe(403);
    const foreign = await login('root', 'adm1n', 'https://evil.example');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['set-cookie']).toBeUndefined();
    expect(logins.map((l) => l.outcome)).toEqual(['bad-origin', 'bad-origin']);
  });

  it('failed logins are limited like the clients’: past the limit, 403 with Retry-After, even with the right password', async () => {
    const { login } = start({ limiter: new LoginLimiter(Date.now, { address: 30, name: 2, perAddress: 8, queue: 1024 }) });
    expect((await login('root', 'x1')).statusCode).toBe(401);
    expect((await login('root', 'x2')).statusCode).toBe(401);
    const throttled = await login('root', 'adm1n');
    expect(throttled.statusCode).toBe(403);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.body).toContain('Too many failed logins');
  });

  it('a session ends after IDLE_MS without a request, and at logout', async () => {
    let now = 1_000_000;
    const { server, session } = start({ now: () => now });
    const get = await session();
    expect((await get('/admin/')).statusCode).toBe(200);
    now += IDLE_MS;
    expect((await get('/admin/')).statusCode).toBe(303);

    const again = await session();
    const cookie = again.cookie;
    const out = await server.app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie, host: '127.0.0.1:8444', origin: ORIGIN } });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await again('/admin/')).statusCode).toBe(303);
  });
});

describe('status page: what it sends', () => {
  it('every answer has the strict CSP and its companions; pages hold no inline script, style or event handler', async () => {
    const { server, session } = start();
    const get = await session();
    const answers = await Promise.all([
      server.app.inject('/admin/login'),
      server.app.inject('/admin/static/admin.js'),
      get('/admin/'),
      get('/admin/devices'),
      get('/admin/devices/u-2'),
      get('/admin/api/summary'),
    ]);
    for (const res of answers) {
      expect(res.headers['content-security-policy']).toBe("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      if (String(res.headers['content-type']).startsWith('text/html')) {
        expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)|<style|<[^>]*\s(style|on\w+)=/i);
        expect(res.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      }
    }
    expect(answers[1]?.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('a hostile osname and build (markup, a bidi override) are escaped wherever they appear: devices, device, overview charts', async () => {
    const { session } = start();
    const get = await session();
    for (const url of ['/admin/devices', '/admin/devices/u-2', '/admin/']) {
      const body = (await get(url)).body;
      expect(body, url).toContain('&lt;img src=x onerror=alert(1)&gt;\\u202eexe.txt');
      expect(body, url).not.toContain('<img');
      expect(body, url).not.toContain('\u202E');
    }
  });

  it('the devices page passes filter, search and sort to the inventory, and keeps them in the form', async () => {
    const { session, inventory } = start();
    const get = await session();
    const res = await get('/admin/devices?q=ali&build=2.10.5550&os=&sort=build&desc=0');
    expect(inventory.queries.at(-1)).toMatchObject({ search: 'ali', build: '2.10.5550', os: undefined, sort: 'build', descending: false, limit: 200 });
    expect(res.body).toContain('name="build" value="2.10.5550"');
    expect(res.body).toContain('devices 1–1 of 1');
    expect((await get('/admin/devices?sort=nonsense')).statusCode).toBe(400);
    // a value is given back as typed, so that filtering again searches for the same text
    const typed = await get('/admin/devices?user=a%E2%80%8Fb%3C');
    expect(inventory.queries.at(-1)).toMatchObject({ user: 'a\u200Fb<' });
    expect(typed.body).toContain('name="user" value="a\u200Fb&lt;"');
  });

  it('the API gives the same data as JSON', async () => {
    const { session, inventory, discovery } = start();
    const get = await session();
    const devices = await get('/admin/api/devices?build=2.8.1');
    expect(devices.json()).toEqual({ rows: [inventory.rows[1]], total: 1 });
    expect((await get('/admin/api/device/u-1')).json()).toEqual({ device: inventory.rows[0], history: [] });
    expect((await get('/admin/api/device/none')).statusCode).toBe(404);
    expect((await get('/admin/api/summary')).json()).toEqual({ ...SUMMARY, inventory: inventory.health() });
    discovery.feed({
      event: 'announced',
      via: ['dhcp'],
      template: 'http://h/p',
      interfaces: [{ name: 'eth0', addresses: ['198.51.100.1'] }],
      dhcp: { port: 6767, interfaces: ['eth0'] },
    });
    expect((await get('/admin/api/discovery')).json()).toMatchObject({ advertising: true, links: [{ interface: 'eth0', own: { dhcp: true } }] });
  });

  it('an inventory that cannot be read: 503 saying so, for the page and the API', async () => {
    const { session, inventory } = start();
    const get = await session();
    inventory.failing = true;
    const page = await get('/admin/devices');
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('the inventory cannot be read now (database is locked)');
    expect((await get('/admin/api/devices')).json()).toEqual({ error: 'the inventory cannot be read now (database is locked); try again later' });
  });

  it('the event stream sends a visit event when the inventory has written one', async () => {
    const { server, inventory, session } = start();
    const { cookie } = await session();
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as AddressInfo;
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/admin/events', headers: { cookie } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('retry:')) for (const l of inventory.listeners) l({ ...visit, status: 401 });
          if (text.includes('event: visit')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
    });
    expect(received).toContain('event: visit\ndata: {"time":"2026-12-02T10:00:00.000Z","status":401}');
    expect(defined(received).includes(HOSTILE)).toBe(false);
  });

  /** An event stream of this session on a listening server, its bytes collected as they come. */
  async function openStream(server: AdminServer, cookie: string) {
    if (!server.app.server.listening) await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as AddressInfo;
    return new Promise<{ status: number; text: () => string; closed: Promise<void>; res: http.IncomingMessage; req: http.ClientRequest }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/admin/events', headers: { cookie } }, (res) => {
        let text = '';
        const closed = new Promise<void>((done) => res.once('close', done));
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        resolve({ status: res.statusCode ?? 0, text: () => text, closed, res, req });
      });
      req.on('error', reject);
    });
  }

  it('a session holds 8 event streams at most; another session still gets its own', async () => {
    const { server, session } = start();
    const { cookie } = await session();
    const streams = await Promise.all(Array.from({ length: 8 }, () => openStream(server, cookie)));
    expect(streams.map((s) => s.status)).toEqual(Array(8).fill(200));
    expect((await openStream(server, cookie)).status).toBe(503);
    const other = await openStream(server, (await session()).cookie);
    expect(other.status).toBe(200);
    // a stream closed gives its place back
    defined(streams[0]).req.destroy();
    await defined(streams[0]).closed;
    await expect.poll(async () => (await openStream(server, cookie)).status).toBe(200);
    for (const s of [...streams, other]) s.req.destroy();
  });

  it('a stream ends with its session: after a logout, the next event closes it and sends nothing', async () => {
    const { server, inventory, session } = start();
    const { cookie } = await session();
    const stream = await openStream(server, cookie);
    await expect.poll(() => stream.text()).toContain('retry:');
    const out = await server.app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie, host: '127.0.0.1:8444', origin: ORIGIN } });
    expect(out.statusCode).toBe(303);
    for (const l of inventory.listeners) l(visit);
    await stream.closed;
    expect(stream.text()).not.toContain('event: visit');
  });

  it('a reader that stops reading is cut off once 64 KiB wait for it, instead of being buffered for', async () => {
    const { server, inventory, session } = start();
    const { cookie } = await session();
    const stream = await openStream(server, cookie);
    stream.res.pause();
    // far more than the socket buffers of both ends hold
    for (let i = 0; i < 200_000 && inventory.listeners.size > 0; i++) for (const l of inventory.listeners) l(visit);
    await stream.closed;
    expect(inventory.listeners.size).toBe(0);
  });
});

describe('status page: the Host it answers to', () => {
  it('over plain http (loopback), a Host that is no loopback name gets 421, so a rebound DNS name cannot use the page', async () => {
    const { server, session } = start();
    const { cookie } = await session();
    for (const host of ['127.0.0.1:8444', 'localhost:9000', '[::1]:8444', 'LOCALHOST', '127.0.0.2:8444'])
      expect((await server.app.inject({ url: '/admin/api/summary', headers: { cookie, host } })).statusCode, host).toBe(200);
    for (const host of ['evil.example:8444', 'evil.example', '127.0.0.1.evil.example:8444']) {
      const res = await server.app.inject({ url: '/admin/login', headers: { host } });
      expect(res.statusCode, host).toBe(421);
      expect(res.body).toContain('answers to 127.0.0.1, [::1] or localhost only');
    }
    expect((await server.app.inject({ url: '/admin/', headers: { host: 'evil.example:9000' } })).body).toContain('open http://127.0.0.1:9000/admin/');
  });

  it('over TLS any Host is served: the certificate is what a rebound name cannot pass', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-admin-tls-'));
    const certs = makeCertificates(dir);
    const { server } = start({ tls: { cert: Buffer.from(certs.cert), key: Buffer.from(certs.key) } });
    expect((await server.app.inject({ url: '/admin/login', headers: { host: 'prov.example.org:8444' } })).statusCode).toBe(200);
    rmSync(dir, { recursive: true, force: true });
  });
});

const visit: VisitRecord = {
  time: '2026-12-02T10:00:00.000Z',
  client: '198.51.100.2',
  uuid: 'u-2',
  hwaddr: null,
  osname: HOSTILE,
  build: null,
  arch: null,
  username: null,
  ipaddr: null,
  profiles: [],
  status: 200,
  reason: null,
};
