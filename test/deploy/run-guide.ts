/**
 * Runs every command of docs/deploy.md once, for real, and prints what each printed: the transcript
 * the guide quotes. As root, after `npm run build`:  npx tsx test/deploy/run-guide.ts [ROOTFS]
 *
 * 1. A fresh Debian 13 (debootstrap, minbase plus systemd) in ROOTFS (default
 *    /var/tmp/provdisc-guide/trixie), made once.
 * 2. The guide's install commands in it (systemd-nspawn without booting, the machine's network for
 *    Debian's and npm's registries): Node 20 from Debian, provdisc from this checkout's `npm pack`.
 * 3. The rootfs booted with systemd as PID 1 (systemd-nspawn -b) inside host a of a lab, so that the
 *    service's mDNS and DHCP stay on the lab's link; guide.sh runs the rest of the guide in it, and
 *    host b plays the LAN client (`provdisc discover`, a POST) when guide.sh says it is ready.
 *
 * Needs debootstrap and systemd-container (Debian packages); not part of `npm test` (it downloads a
 * Debian system and boots it, minutes on this machine's two cores).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lab/host.js';
import { createLab } from '../lab/lab.js';
import { spawnProcess } from '../lab/process.js';
import { defined } from '../defined.js';

const ROOTFS = path.resolve(process.argv[2] ?? '/var/tmp/provdisc-guide/trixie');
const ROOT_HOME = path.join(ROOTFS, 'root');
const transcript: string[] = [];

/** nspawn's own complaint at exit on a machine without systemd, not the command's output. */
const NSPAWN_NOISE = /^Attempted to remove disk file system under .*\n/gm;

function sh(command: string, options: { cwd?: string } = {}): string {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', cwd: options.cwd, timeout: 900_000 });
  // npm colours its messages even into a pipe; the transcript is plain text
  // eslint-disable-next-line no-control-regex -- the transcript drops the terminal's colour escapes
  const out = `${r.stdout}${r.stderr}`.replace(NSPAWN_NOISE, '').replace(/\x1b\[[0-9;]*m/g, '');
  if (r.status !== 0) throw new Error(`${command} failed (${r.status}):\n${out}`);
  return out;
}

/**
 * A command of the guide run in the unbooted rootfs, recorded as typed. It reaches the registries
 * the way this machine does: with the machine's certificate bundle (an egress proxy may sign the
 * registry's certificate), bound read-only for Node — the harness's, not the guide's.
 */
function inRootfs(command: string): void {
  const trust = '--bind-ro=/etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt --setenv=NODE_EXTRA_CA_CERTS=/run/host-ca.crt';
  const out = sh(`systemd-nspawn -q -D ${ROOTFS} --register=no --keep-unit ${trust} --chdir=/root sh -c '${command.replace(/'/g, `'\\''`)}'`);
  transcript.push(`\n# ${command}\n${out}`);
}

const wait = async (file: string, timeoutMs: number) => {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if (fs.existsSync(file)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`guide.sh never wrote ${file}:\n${fs.readFileSync(path.join(ROOT_HOME, 'transcript.txt'), 'utf8')}`);
};

if (!fs.existsSync(path.join(ROOTFS, 'etc/debian_version'))) {
  fs.mkdirSync(path.dirname(ROOTFS), { recursive: true });
  sh(`debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates trixie ${ROOTFS} http://deb.debian.org/debian`);
}
transcript.push(
  `Debian ${sh(`cat ${ROOTFS}/etc/debian_version`).trim()}, ${sh(`systemd-nspawn -q -D ${ROOTFS} --register=no --keep-unit systemctl --version`).split('\n')[0]}`,
);

// the install: Node 20 from Debian, provdisc from this checkout (not yet on the registry)
inRootfs('apt-get install -y nodejs npm');
const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const tarball = `provdisc-${version}.tgz`;
sh(`npm pack --pack-destination ${ROOT_HOME}`, { cwd: REPO_ROOT });
inRootfs(`npm install -g ./${tarball}`);
inRootfs('node --version && provdisc --version');

// the site the admin copies: examples/site's profiles, served over http on 8080 (https: docs/deploy.md)
const site = path.join(ROOT_HOME, 'site');
fs.rmSync(site, { recursive: true, force: true });
fs.mkdirSync(site);
for (const f of fs.readdirSync(path.join(REPO_ROOT, 'examples/site')).filter((f) => f.endsWith('.properties'))) {
  fs.copyFileSync(path.join(REPO_ROOT, 'examples/site', f), path.join(site, f));
}
fs.writeFileSync(
  path.join(site, 'site.ini'),
  [
    '[serve]',
    'listen = 0.0.0.0:8080',
    'template = http://198.51.100.1:8080/prov?username=${username}&osname=${osname}&hwaddr=${hwaddr}',
    'via = bonjour, dhcp',
    '[profile common]',
    'properties = common.properties',
    '[profile linux]',
    'match.osname = Linux',
    'properties = linux.properties',
    '',
  ].join('\n'),
);
for (const f of fs.readdirSync(ROOT_HOME).filter((f) => /\.(ready|done|finished)$/.test(f))) fs.rmSync(path.join(ROOT_HOME, f));
fs.copyFileSync(path.join(REPO_ROOT, 'test/deploy/guide.sh'), path.join(ROOT_HOME, 'guide.sh'));
fs.writeFileSync(
  path.join(ROOTFS, 'etc/systemd/system/provdisc-guide.service'),
  '[Unit]\nAfter=multi-user.target\n[Service]\nExecStart=/bin/sh /root/guide.sh\n[Install]\nWantedBy=multi-user.target\n',
);
// what an earlier run left goes: the guide starts on a server where provdisc never ran
const LEFT = ['etc/provdisc', 'etc/systemd/system/provdisc.service', 'etc/systemd/system/provdisc.service.d', 'etc/systemd/system/provdisc-advertise@.service'];
const WANTS = ['provdisc.service', 'provdisc-advertise@lan.service'].map((u) => `etc/systemd/system/multi-user.target.wants/${u}`);
for (const p of [...LEFT, ...WANTS, 'var/lib/provdisc', 'var/lib/private/provdisc', 'var/log/journal'])
  fs.rmSync(path.join(ROOTFS, p), { recursive: true, force: true });
sh(`systemd-nspawn -q -D ${ROOTFS} --register=no --keep-unit systemctl enable provdisc-guide.service`);

const lab = await createLab({ topology: 'pair' });
try {
  const [a, b] = [lab.host('a'), lab.host('b')];
  const boot = spawnProcess(
    'systemd-nspawn',
    ['-q', '-D', ROOTFS, '--register=no', '--keep-unit', `--network-namespace-path=/run/netns/${a.ns}`, '--console=pipe', '-b'],
    {
      description: 'the booted Debian',
    },
  );
  const client = async (step: string, commands: string[][]) => {
    await wait(path.join(ROOT_HOME, `${step}.ready`), 180_000);
    const lines = [];
    for (const args of commands) {
      const r = args[0] === 'provdisc' ? await b.provdisc(args.slice(1)) : await b.run(defined(args[0]), args.slice(1));
      lines.push(`\n# (on the LAN client) ${args.map((x) => (/[\s${}&]/.test(x) ? `'${x}'` : x)).join(' ')}\n${r.stdout}${r.stderr}`);
    }
    fs.writeFileSync(path.join(ROOT_HOME, `${step}.done`), '');
    return lines.join('');
  };
  const served = await client('client', [
    ['provdisc', 'discover', '--via', 'bonjour,dhcp'],
    ['curl', '-sS', '-d', 'username=alice&osname=Linux&hwaddr=02:00:00:00:00:02', 'http://198.51.100.1:8080/prov'],
  ]);
  const advertised = await client('advertise', [['provdisc', 'discover', '--via', 'bonjour,dhcp']]);
  await wait(path.join(ROOT_HOME, 'guide.finished'), 300_000);
  await boot.exited;
  const inside = fs.readFileSync(path.join(ROOT_HOME, 'transcript.txt'), 'utf8');
  const [beforeReload, rest] = inside.split(/(?=\n# printf "\\n\[profile kiosk\])/);
  const [beforeAdvertised, end] = defined(rest).split(/(?=\n# systemctl stop provdisc-advertise@lan)/);
  process.stdout.write(`${transcript.join('')}${beforeReload}${served}${beforeAdvertised}${advertised}${end}`);
} finally {
  await lab.close();
}
