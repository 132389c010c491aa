import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdminLogin } from '../../../src/admin/auth-plugin.js';
import type { RequestRecord } from '../../../src/server/server.js';
import { loadSite } from '../../../src/server/site.js';
import { hashPassword } from '../../../src/server/users.js';
import { startService } from '../../../src/service/service.js';
import { UsageError } from '../../../src/util/errors.js';
import { writeSite } from '../server/site-fixture.js';
import { defined } from '../../defined.js';

const admins = `root:${await hashPassword('adm1n', 1024)}\n`;
const SERVE = '[serve]\ntemplate = http://127.0.0.1:8080/prov?osname=${osname}&uuid=${uuid}\nlisten = 127.0.0.1:0\ninventory = inventory.db\n';
const PROFILE = '[profile common]\nproperties = common.properties\n';
const siteFiles = (admin: string) => ({
  'site.ini': `${SERVE}${admin}${PROFILE}`,
  'common.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
  admins,
});

describe('startService: serve as one service', () => {
  it('serves, records what it answered in the inventory, shows it on the status page, and tells the totals at close', async () => {
    const { site } = writeSite(siteFiles('[admin]\nusers = admins\nlisten = 127.0.0.1:0\n'));
    const order: string[] = [];
    const requests: RequestRecord[] = [];
    const logins: AdminLogin[] = [];
    const service = await startService(loadSite(site), {
      warn: (m) => order.push(`warn ${m}`),
      onListening: (url) => order.push(`listening ${url}`),
      onStatusPage: (url) => order.push(`status ${url}`),
      onRequest: (r) => requests.push(r),
      onAdminLogin: (l) => logins.push(l),
    });
    expect(order).toEqual([`listening ${service.url}`, `status ${defined(service.statusUrl)}`]);
    const post = await fetch(`${service.url}/prov`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'osname=Linux&uuid=u-1',
    });
    expect(post.status).toBe(200);
    expect(requests.map((r) => r.status)).toEqual([200]);

    const statusUrl = new URL(defined(service.statusUrl));
    const login = await fetch(new URL('/admin/login', statusUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: statusUrl.origin },
      body: 'username=root&password=adm1n',
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = defined(login.headers.get('set-cookie')).split(';')[0] ?? '';
    expect(logins.map((l) => l.outcome)).toEqual(['accepted']);
    // the write queue batches: the device shows once the inventory has written it
    await expect
      .poll(async () => ((await (await fetch(new URL('/admin/api/devices', statusUrl), { headers: { cookie } })).json()) as { total: number }).total)
      .toBe(1);

    const totals = await service.close();
    expect(totals.requests).toEqual(new Map([[200, 1]]));
    expect(totals.tlsFailed).toBeUndefined();
    expect(totals.inventory).toMatchObject({ written: 1, failed: 0, pending: 0, dropped: 0 });
    await expect(fetch(`${service.url}/prov`, { method: 'POST' })).rejects.toThrow();
    await expect(fetch(defined(service.statusUrl))).rejects.toThrow();
  });

  it('reload: the new site takes effect, and what needs a restart is told', async () => {
    const { site } = writeSite(siteFiles(''));
    const service = await startService(loadSite(site), { warn: () => {} });
    try {
      writeFileSync(site, `${SERVE}[admin]\nusers = admins\n${PROFILE}`);
      expect(service.reload(loadSite(site))).toEqual(['[admin] added: restart provdisc serve to start the status page']);
    } finally {
      await service.close();
    }
  });

  it('a status page that cannot listen: startService fails with the [admin] setting named, and the server it had started is closed', async () => {
    const { site } = writeSite(siteFiles('[admin]\nusers = admins\nlisten = 127.0.0.1:0\n'));
    const first = await startService(loadSite(site), { warn: () => {} });
    const taken = new URL(defined(first.statusUrl)).port;
    const { site: second } = writeSite(siteFiles(`[admin]\nusers = admins\nlisten = 127.0.0.1:${taken}\n`));
    let listened: string | undefined;
    try {
      const failed = await startService(loadSite(second), { warn: () => {}, onListening: (url) => (listened = url) }).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(UsageError);
      expect((failed as UsageError).message).toMatch(/already in use/);
      expect((failed as UsageError).hint).toContain('listen in [admin]');
      await expect(fetch(`${defined(listened)}/prov`, { method: 'POST' })).rejects.toThrow();
    } finally {
      await first.close();
    }
  });
});
