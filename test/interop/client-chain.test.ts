/**
 * The whole chain a Jitsi client set to Bonjour runs (issue 4): provdisc advertise in one lab host
 * with a provisioning script beside it, provdisc provision --discover in another.
 */
import { describe, expect, it } from 'vitest';
import { startAdvertiser } from '../lab/advertiser.js';
import { useLab } from '../lab/vitest.js';

/** The seed's PHP example as a node server: the answer depends on the posted osname. */
const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const form = Object.fromEntries(new URLSearchParams(body));
    console.log(JSON.stringify({ method: req.method, url: req.url, form }));
    res.setHeader('Content-Type', 'text/plain');
    res.end([
      'net.java.sip.communicator.impl.gui.main.MainFrame=\${null}',
      'provisioning.ALLOW_PREFIX=net.java|org.ice4j|java.net',
      'net.java.sip.communicator.impl.gui.main.MainFrame.height=' + (form.osname === 'Linux' ? 250 : 750),
      'net.java.sip.communicator.impl.gui.main.MainFrame.width=520',
      'net.java.sip.communicator.impl.protocol.sip.acc1=acc1',
      'net.java.sip.communicator.impl.protocol.sip.acc1.ACCOUNT_UID=SIP:' + form.username + '@pbx.example.org',
      'net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID=' + form.username,
      'provisioning.ENFORCE_PREFIX=net.java|org.ice4j|java.net',
      '',
    ].join('\\n'));
  });
}).listen(8080, process.argv[1], () => console.log('listening'));`;

describe('advertise → provision --discover, as a Jitsi client runs it', () => {
  const lab = useLab({ topology: 'pair' });

  it("finds the template over mDNS, posts this client's values, and applies the answer", async () => {
    const a = lab().host('a');
    const b = lab().host('b');
    const server = a.spawn(process.execPath, ['-e', SERVER, a.ipv4]);
    await server.waitForLine(/^listening$/, 10_000);
    const template = `http://${a.ipv4}:8080/provisioning.php?username=\${username}&password=\${password}&osname=\${osname}&ipaddr=\${ipaddr}&hwaddr=\${hwaddr}`;
    const { adv } = await startAdvertiser(a, [template]);

    const run = await b.provdisc(['provision', '--discover', '--username', 'alice', '--password-stdin', '--json'], {
      input: 's3cret\n',
      env: { ...process.env, PROVDISC_UUID_FILE: `${b.workDir}/uuid-b` },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/http/); // passwords over http are warned about

    const posted = JSON.parse(await server.waitForLine(/"method":"POST"/, 5_000));
    expect(posted.url).toBe('/provisioning.php');
    expect(posted.form).toEqual({
      username: 'alice',
      password: 's3cret',
      osname: 'Linux',
      ipaddr: b.ipv4,
      hwaddr: b.iface('eth0').mac.toLowerCase(),
    });

    const result = JSON.parse(run.stdout);
    expect(result.template).toBe(template);
    expect(JSON.stringify(result)).not.toContain('s3cret');
    const text = JSON.stringify(result);
    expect(text).toContain('net.java.sip.communicator.impl.gui.main.MainFrame.height');
    expect(text).toContain('250');
    expect(text).toContain('net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID');
    expect(result.lints.filter((l: { level: string; code: string }) => l.level === 'error' || l.code === 'unknown-key')).toEqual([]);
    await adv.stop();
    await server.stop();
  });

  it('fails with exit 1 and says nothing was found when no one advertises', async () => {
    const run = await lab().host('b').provdisc(['provision', '--discover', '--timeout', '800', '--username', 'x', '--password-stdin'], {
      input: 'y\n',
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/no "Provisioning URL" service answered over mDNS/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
