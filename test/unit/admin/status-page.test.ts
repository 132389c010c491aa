import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStatusPage } from '../../../src/admin/status-page.js';
import { UsageError } from '../../../src/util/errors.js';

const settings = (port: number) => ({ listen: { host: '127.0.0.1', port }, users: { file: 'admins', table: new Map<string, string>() }, tls: undefined });

describe('startStatusPage', () => {
  it('listens and says where; the discovery events reach the page; close() stops it', async () => {
    const page = await startStatusPage(settings(0), { inventory: undefined, advertised: true });
    expect(page.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/$/);
    page.feed({
      event: 'announced',
      via: ['dhcp'],
      template: 'http://h/p',
      interfaces: [{ name: 'eth0', addresses: ['198.51.100.1'] }],
      dhcp: { port: 6767, interfaces: ['eth0'] },
    });
    expect(page.replaceSettings(undefined)).toEqual(['[admin] removed: restart provdisc serve to stop the status page']);
    await page.close();
    await expect(fetch(page.url)).rejects.toThrow();
  });

  it('a port in use is a UsageError naming [admin] listen', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    const err = await startStatusPage(settings(port), { inventory: undefined, advertised: false }).catch((e: unknown) => e);
    taken.close();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(`127.0.0.1:${port} is already in use`);
    expect((err as UsageError).hint).toBe('stop the other server, or change listen in [admin]');
  });
});
