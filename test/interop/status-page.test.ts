/**
 * The status page in a real browser (issue 16): `provdisc serve` with an inventory, `via = bonjour`
 * and `[admin]` runs in lab host a, the status page on a's loopback (its default, 127.0.0.1:8444);
 * Debian's chromium, driven by playwright-core, opens it as an admin on that machine would; clients
 * post from lab host b with `provdisc provision`. Proven: a wrong admin password is refused; a login
 * works; a client's POST appears on the open devices page without a reload; the build filter; an
 * osname of `<img src=x onerror=alert(1)>` is shown as text and runs nothing; a client on lab host c
 * that only looks (Jitsi's own JmDNS look-up, no POST) is listed as looked-but-never-posted; a page
 * at another name that resolves to 127.0.0.1 (DNS rebinding) gets 421, not the page.
 * With PROVDISC_SCREENSHOTS=DIR the pages are also saved there (docs/status/ was made so).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, reachLoopbackOf, type Browser } from '../lab/browser.js';
import { jitsiDiscover } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';

const requirements = requirePeers(['chromium', 'jdk', 'jmdns']);
const HOSTILE = '<img src=x onerror=alert(1)>';
const ADMIN_PASSWORD = 'st4tus-page';
const shots = process.env.PROVDISC_SCREENSHOTS;
/** A name outside this lab that an attacker's DNS points at 127.0.0.1 (DNS rebinding). */
const REBOUND = 'rebound.example';

describe.skipIf(requirements.skip)(`status page in Chromium${requirements.note}`, () => {
  // a, the server; b, clients that post; c, a client that only looks
  const lab = useLab({ topology: 'bridge' }, requirements);
  let serve: SpawnedProcess;
  let browser: Browser;
  let page: Page;
  let site: { url: string; close(): Promise<void> };
  let template = '';
  const dialogs: string[] = [];

  /** A client on host b posting as Jitsi does, with its own uuid. */
  const client = async (uuid: string, fields: Record<string, string>) => {
    const sets = Object.entries({ uuid, ...fields }).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const run = await lab()
      .host('b')
      .provdisc(['provision', template, ...sets, '--json'], { timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
  };
  const screenshot = async (name: string) => {
    if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    const a = lab().host('a');
    const dir = path.join(a.workDir, 'site');
    mkdirSync(dir, { recursive: true });
    template = `http://${a.ipv4}:8080/prov?osname=\${osname}&build=\${build}&arch=\${arch}&uuid=\${uuid}&hwaddr=\${hwaddr}`;
    writeFileSync(
      path.join(dir, 'site.ini'),
      [
        '[serve]',
        `listen = ${a.ipv4}:8080`,
        `template = ${template}`,
        'via = bonjour',
        'inventory = inventory.db',
        '[admin]',
        'users = admins',
        '[profile common]',
        'properties = common.properties',
        '[profile linux]',
        'match.osname = Linux',
        'properties = linux.properties',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'common.properties'), 'net.java.sip.communicator.impl.gui.main.MainFrame.width=520\n');
    writeFileSync(path.join(dir, 'linux.properties'), 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n');
    const passwd = await a.provdisc(['passwd', 'root', '--users', path.join(dir, 'admins'), '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` });
    expect(passwd.code, passwd.stderr).toBe(0);
    serve = a.spawnProvdisc(['serve', '--config', path.join(dir, 'site.ini'), '--json']);
    await serve.waitForLine(/"event":"admin-listening"/, 15_000);
    await serve.waitForLine(/"event":"announced"/, 15_000);
    site = await reachLoopbackOf(a, 8444);
    browser = await launchChromium({ [REBOUND]: '127.0.0.1' });
    page = await browser.context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    if (shots) mkdirSync(shots, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await serve?.stop(10_000);
  });

  it('a wrong admin password is refused, and the page says so', async () => {
    await page.goto(`${site.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await screenshot('login');
    await page.fill('input[name=username]', 'root');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    expect(await page.locator('[role=alert]').textContent({ timeout: 5_000 })).toBe('Wrong admin name or password.');
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(serve.lines.stdout.join('\n')).not.toContain('not-the-password');
  });

  it('the right password logs in: the overview', async () => {
    await page.fill('input[name=username]', 'root');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${site.url}/admin/`);
    expect(await page.textContent('h1')).toBe('Overview');
    // its own advertiser on host a's link, from the via events
    expect(await page.textContent('table.links')).toContain('mDNS: Provisioning URL');
  });

  it("a client's POST from host b appears on the open devices page, without a reload", async () => {
    await page.goto(`${site.url}/admin/devices`);
    await page.waitForFunction(() => document.body.dataset.events === 'open');
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    await client('linux-1', { osname: 'Linux', build: '2.10.5550', arch: 'x86_64' });
    const row = page.locator('tr[data-id="linux-1"]');
    await row.waitFor({ timeout: 5_000 });
    expect(await row.locator('td.os').textContent()).toBe('Linux');
    expect(await row.locator('td.build').textContent()).toBe('2.10.5550');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('an osname of <img src=x onerror=alert(1)> is shown as text and runs nothing', async () => {
    await client('hostile-1', { osname: HOSTILE, build: '2.8.1', arch: 'x86' });
    const cell = page.locator('tr[data-id="hostile-1"] td.os');
    await cell.waitFor({ timeout: 5_000 });
    expect(await cell.textContent()).toBe(HOSTILE);
    expect(await page.locator('main img').count()).toBe(0);
    await page.goto(`${site.url}/admin/devices/hostile-1`);
    expect(await page.textContent('table.facts')).toContain(HOSTILE);
    expect(dialogs).toEqual([]);
  });

  it('a page at a name rebound to 127.0.0.1 gets 421: neither the status page nor its login form to guess at', async () => {
    const port = new URL(site.url).port;
    const rebound = await browser.context.newPage();
    try {
      const answer = await rebound.goto(`http://${REBOUND}:${port}/admin/devices`);
      expect(answer?.status()).toBe(421);
      const text = await rebound.textContent('body');
      expect(text).toContain(`answers to 127.0.0.1, [::1] or localhost only: open http://127.0.0.1:${port}/admin/`);
      expect(text).not.toContain('linux-1');
      // the script such a page would run: same-origin for the browser, refused by the server
      const api = await rebound.evaluate(async () => (await fetch('/admin/api/devices')).status);
      expect(api).toBe(421);
    } finally {
      await rebound.close();
    }
  });

  it('filter by build: only the matching devices', async () => {
    await client('windows-1', { osname: 'Windows 11', build: '2.8.1', arch: 'x86_64' });
    await page.goto(`${site.url}/admin/devices`);
    await page.fill('input[name=build]', '<2.10');
    await page.click('.filters button[type=submit]');
    await page.waitForURL(/build=/);
    const ids = await page.locator('table.devices tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(ids.sort()).toEqual(['hostile-1', 'windows-1']);
    await page.fill('input[name=build]', '');
    await page.click('.filters button[type=submit]');
    await page.waitForURL(/build=(&|$)/);
    expect(await page.locator('table.devices tbody tr').count()).toBe(3);
    await screenshot('devices');
    await page.goto(`${site.url}/admin/devices/linux-1`);
    await screenshot('device');
    await page.goto(`${site.url}/admin/`);
    await screenshot('overview');
    expect(dialogs).toEqual([]);
  });

  it("a client that only looked (Jitsi's JmDNS look-up from host c, no POST) is on the overview as looked, never posted", async () => {
    const c = lab().host('c');
    const [found] = await jitsiDiscover(c);
    expect(found?.url).toContain(`http://${lab().host('a').ipv4}:8080/prov`);
    // the look is written with the inventory's next batch: the overview shows it once it is
    await expect
      .poll(
        async () => {
          await page.goto(`${site.url}/admin/`);
          return (
            (await page
              .locator('table.looked')
              .textContent({ timeout: 1_000 })
              .catch(() => '')) ?? ''
          );
        },
        { timeout: 15_000, interval: 500 },
      )
      .toContain(c.ipv4);
    expect(await page.locator('table.looked').textContent()).not.toContain(lab().host('b').ipv4);
  });
});
