import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../../src/server/site.js';
import { hashPassword } from '../../../src/server/users.js';
import { makeCertificates } from '../certificates.js';
import { usageError } from '../usage-error.js';
import { writeSite } from '../server/site-fixture.js';

const admins = `root:${await hashPassword('adm1n', 1024)}\n`;
const load = (admin: string, serve = 'template = http://h:8080/p?os=${osname}') => {
  const { site, dir } = writeSite({ 'site.ini': `[serve]\n${serve}\n[admin]\n${admin}\n`, admins });
  return { load: () => loadSite(site), dir };
};

describe('[admin] in the site file', () => {
  it('listens on 127.0.0.1:8444 by default, plain http on loopback, with its own admins file', () => {
    const { load: l, dir } = load('users = admins');
    const site = l();
    expect(site.admin?.listen).toEqual({ host: '127.0.0.1', port: 8444 });
    expect(site.admin?.tls).toBeUndefined();
    expect(site.admin?.users.file).toBe(path.join(dir, 'admins'));
    expect([...(site.admin?.users.table.keys() ?? [])]).toEqual(['root']);
  });

  it('without an inventory in [serve]: a warning that the page can only show discovery', () => {
    const { site } = writeSite({ 'site.ini': '[serve]\ntemplate = http://h:8080/p?os=${osname}\n[admin]\nusers = admins\n', admins });
    const warnings: string[] = [];
    loadSite(site, (w) => warnings.push(w));
    expect(warnings.some((w) => w.includes('[serve] has no inventory, so the status page can only show discovery'))).toBe(true);
    writeFileSync(site, '[serve]\ntemplate = http://h:8080/p?os=${osname}\ninventory = inventory.db\n[admin]\nusers = admins\n');
    warnings.length = 0;
    loadSite(site, (w) => warnings.push(w));
    expect(warnings.filter((w) => w.includes('inventory'))).toEqual([]);
  });

  it('beyond loopback without the site having a certificate pair: refused, saying how to fix it', () => {
    const error = usageError(load('listen = 0.0.0.0:8444\nusers = admins').load);
    expect(error.message).toMatch(/\[admin\] key "listen": 0\.0\.0\.0 is reachable beyond this machine.*needs TLS/);
    expect(error.hint).toMatch(/127\.0\.0\.1:8444|tls-cert/);
  });

  it("beyond loopback with the site's pair: TLS with that pair", () => {
    const { site, dir } = writeSite({ admins, 'site.ini': '' });
    const certs = makeCertificates(dir);
    writeFileSync(
      site,
      `[serve]\ntemplate = https://127.0.0.1:8443/p?os=\${osname}\ntls-cert = ${certs.certFile}\ntls-key = ${certs.keyFile}\n[admin]\nlisten = [::]:9444\nusers = admins\n`,
    );
    const admin = loadSite(site).admin;
    expect(admin?.listen).toEqual({ host: '::', port: 9444 });
    expect(admin?.tls?.cert.toString()).toBe(certs.cert);
  });

  it('refuses a missing users key, an unknown key, a bad listen, and the clients’ own users file', () => {
    expect(usageError(load('listen = 127.0.0.1:8444').load).message).toMatch(/\[admin\] key "users": is missing/);
    expect(usageError(load('users = admins\nport = 1').load).message).toMatch(/\[admin\] key "port": is not an \[admin\] setting/);
    expect(usageError(load('users = admins\nlisten = localhost:80').load).message).toMatch(/\[admin\] key "listen": "localhost:80" is not address:port/);
    expect(usageError(load('users = nothere').load).message).toMatch(/\[admin\] key "users": cannot read the users file/);
    const same = load('users = admins', 'template = http://h:8080/p?u=${username}&p=${password}\nusers = admins');
    expect(usageError(same.load).message).toMatch(/\[admin\] key "users": is the clients' users file/);
  });
});
