/**
 * provdisc against itself across real links: advertise in one lab host, discover in another
 * (issue 2's network tests). Every socket opens inside lab namespaces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../lab/host.js';
import { startAdvertiser } from '../lab/advertiser.js';
import { useLab } from '../lab/vitest.js';
import { defined } from '../defined.js';

const TEMPLATE =
  'https://www.example.org/provisioning.php?username=${username}&password=${password}&osname=${osname}&build=${build}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&uuid=${uuid}&arch=${arch}';

describe('advertise ⇄ discover on one link, no default route', () => {
  const lab = useLab({ topology: 'pair' });

  it('discover prints the template in order; --json has every field; Ctrl-C sends goodbyes', async () => {
    const a = lab().host('a');
    const b = lab().host('b');
    const routes = await a.run('ip', ['route', 'show', 'default']);
    expect(routes.stdout.trim()).toBe(''); // the hard case: no route to 224.0.0.251 but the link's
    const { adv, announced } = await startAdvertiser(lab().host('a'), [TEMPLATE]);
    expect(announced.host).toBe(`${a.name}.local`);

    const plain = await b.provdisc(['discover']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`${TEMPLATE}\n`);

    const json = await b.provdisc(['discover', '--json']);
    const found = JSON.parse(json.stdout);
    expect(found).toMatchObject({
      template: TEMPLATE,
      instance: 'Provisioning URL',
      type: '_https._tcp',
      host: `${a.name}.local`,
      port: 443,
      interface: 'eth0',
      complete: true,
    });
    // the first complete answer ends the look-up: a's reply to the IPv4 or to the IPv6 question
    expect([a.ipv4, `${a.iface('eth0').ipv6LinkLocal}%eth0`]).toContain(found.from);
    expect(found.txt[0]).toBe('path=https://www.example.org/provisioning.php');
    expect(found.txt).toHaveLength(9);
    expect(found.addresses).toContain(a.ipv4);
    expect(found.addresses).toContain(a.iface('eth0').ipv6LinkLocal);

    adv.kill('SIGINT');
    const exit = await adv.exited;
    expect(exit.code).toBe(0);
    expect(adv.lines.stdout.at(-1)).toMatch(/"event":"goodbye"/);
    const after = await b.provdisc(['discover', '--timeout', '800']);
    expect(after.code).toBe(2);
    expect(after.stdout).toBe('');
    expect(after.stderr).toMatch(/nothing found/);
  });

  it('SIGTERM also ends with goodbyes and exit 0', async () => {
    const { adv } = await startAdvertiser(lab().host('a'), ['http://prov.example/p.php?u=${username}']);
    adv.kill('SIGTERM');
    expect((await adv.exited).code).toBe(0);
    expect(adv.lines.stdout.at(-1)).toMatch(/"event":"goodbye"/);
  });

  it('finds an http-only advertisement through _http._tcp', async () => {
    const { adv } = await startAdvertiser(lab().host('a'), ['http://prov.example:8080/p.php?u=${username}']);
    expect(adv.lines.stderr.join('\n')).toMatch(/clear text/);
    const r = await lab().host('b').provdisc(['discover', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: '_http._tcp', port: 8080, template: 'http://prov.example:8080/p.php?u=${username}' });
    await adv.stop();
  });

  it('publishes --address for another --host, and the template resolves against it when path is relative', async () => {
    const { adv } = await startAdvertiser(lab().host('a'), [
      'https://provisioning.local/prov.php?u=${username}',
      '--host',
      'provisioning.local',
      '--address',
      '198.51.100.254',
    ]);
    const r = await lab().host('b').provdisc(['discover', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: 'provisioning.local', addresses: ['198.51.100.254'] });
    await adv.stop();
  });

  it('takes its settings from --config, and a flag wins over the file', async () => {
    const a = lab().host('a');
    const file = path.join(a.workDir, 'provdisc.ini');
    fs.writeFileSync(file, [`template = "${TEMPLATE}"`, 'interface[] = eth0', '[advertise]', 'port = 8443', '[discover]', 'timeout = 2000', ''].join('\n'));
    const { adv } = await startAdvertiser(lab().host('a'), ['--config', file, '--port', '9443']);
    const found = JSON.parse((await lab().host('b').provdisc(['discover', '--json', '--config', file])).stdout);
    expect(found).toMatchObject({ template: TEMPLATE, port: 9443 });
    await adv.stop();
    fs.writeFileSync(file, 'templat = x\n');
    const bad = await a.provdisc(['advertise', '--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/provdisc\.ini.*"templat"/);
  });

  it('reports bad input without a stack trace and exits 1', async () => {
    const r = await lab().host('a').provdisc(['advertise', 'ftp://x/y']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^provdisc: error: .*scheme is "ftp"/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const t = await lab().host('b').provdisc(['discover', '--timeout', 'soon']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/--timeout is "soon"/);
  });
});

describe('IPv6 only', () => {
  const lab = useLab({ topology: 'pair' });
  beforeAll(async () => {
    for (const key of ['a', 'b']) await lab().host(key).run('ip', ['-4', 'addr', 'flush', 'dev', 'eth0']);
  });

  it('advertises and discovers over ff02::fb with link-local addresses', async () => {
    const a = lab().host('a');
    const { adv, announced } = await startAdvertiser(lab().host('a'), [TEMPLATE]);
    expect(defined(announced.interfaces[0]).addresses).toEqual([a.iface('eth0').ipv6LinkLocal]);
    const r = await lab().host('b').provdisc(['discover', '--json']);
    expect(r.code).toBe(0);
    const found = JSON.parse(r.stdout);
    expect(found.template).toBe(TEMPLATE);
    expect(found.from).toBe(a.iface('eth0').ipv6LinkLocal);
    expect(found.addresses).toEqual([a.iface('eth0').ipv6LinkLocal]);
    await adv.stop();
  });
});

describe('an advertiser with two interfaces on two links', () => {
  const lab = useLab({ topology: 'two-links' });

  it('is found on both links, each with only the address valid on that link', async () => {
    const a = lab().host('a');
    const { adv, announced } = await startAdvertiser(lab().host('a'), [TEMPLATE]);
    expect(announced.interfaces.map((i) => i.name).sort()).toEqual(['eth0', 'eth1']);
    const fromB = JSON.parse((await lab().host('b').provdisc(['discover', '--json'])).stdout);
    const fromC = JSON.parse((await lab().host('c').provdisc(['discover', '--json'])).stdout);
    expect(fromB.template).toBe(TEMPLATE);
    expect(fromC.template).toBe(TEMPLATE);
    expect(fromB.addresses).toContain(a.iface('eth0').ipv4);
    expect(fromB.addresses).not.toContain(a.iface('eth1').ipv4);
    expect(fromC.addresses).toContain(a.iface('eth1').ipv4);
    expect(fromC.addresses).not.toContain(a.iface('eth0').ipv4);
    await adv.stop();
  });

  it('reports a send error on a link that went down and keeps serving the other one', async () => {
    const a = lab().host('a');
    const { adv } = await startAdvertiser(lab().host('a'), [TEMPLATE]);
    // the next announcement (1 s after the first) goes out before the interface poll notices
    await a.run('ip', ['link', 'set', 'eth1', 'down']);
    const error = JSON.parse(await adv.waitForLine(/"event":"send-error"/, 5_000));
    expect(error.interface).toBe('eth1');
    expect(adv.lines.stderr.join('\n')).toMatch(/send error on eth1/);
    await adv.waitForLine(/"event":"interfaces-changed"/, 5_000);
    expect(adv.running).toBe(true);
    expect((await lab().host('b').provdisc(['discover'])).stdout).toBe(`${TEMPLATE}\n`);
    await adv.stop();
    await a.run('ip', ['link', 'set', 'eth1', 'up']);
  });

  it('library: listeners added with ad.on("event") hear a send error of the first session too', async () => {
    const a = lab().host('a');
    const script = `
      const { advertise } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/bonjour/advertise.js'))});
      const ad = await advertise({ template: ${JSON.stringify(TEMPLATE)} });
      ad.on('event', (e) => console.log(JSON.stringify(e)));
      console.log('announced');
      process.on('SIGTERM', () => void ad.close());
      await ad.finished;`;
    const lib = a.spawn(process.execPath, ['--input-type=module', '-e', script]);
    await lib.waitForLine(/^announced$/, 10_000);
    await a.run('ip', ['link', 'set', 'eth1', 'down']);
    try {
      const error = JSON.parse(await lib.waitForLine(/"event":"send-error"/, 5_000));
      expect(error.interface).toBe('eth1');
    } finally {
      await lib.stop();
      await a.run('ip', ['link', 'set', 'eth1', 'up']);
    }
  });

  it('--interface limits it to one link', async () => {
    const { adv } = await startAdvertiser(lab().host('a'), [TEMPLATE, '--interface', 'eth0']);
    expect((await lab().host('b').provdisc(['discover'])).code).toBe(0);
    expect((await lab().host('c').provdisc(['discover', '--timeout', '800'])).code).toBe(2);
    await adv.stop();
  });

  it('follows an address added to an interface: announced again, then answered with it', async () => {
    const a = lab().host('a');
    const { adv } = await startAdvertiser(lab().host('a'), [TEMPLATE, '--interface', 'eth0']);
    await a.run('ip', ['addr', 'add', '198.51.100.77/24', 'dev', 'eth0']);
    await adv.waitForLine(/"event":"interfaces-changed".*198\.51\.100\.77/, 10_000);
    const found = JSON.parse((await lab().host('b').provdisc(['discover', '--json'])).stdout);
    expect(found.addresses).toContain('198.51.100.77');
    await a.run('ip', ['addr', 'del', '198.51.100.77/24', 'dev', 'eth0']);
    await adv.stop();
  });
});
