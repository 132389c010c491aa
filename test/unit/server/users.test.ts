import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, readUsers, setUserPassword, verifyPassword } from '../../../src/server/users.js';
import { LoginLimiter } from '../../../src/server/login-limiter.js';
import { runCli } from '../cli/run-cli.js';
import { writeSite } from './site-fixture.js';

/** The built CLI (npm test builds first): passwd reads the password from a real stdin. */
const BIN = path.resolve(import.meta.dirname, '../../../bin/provdisc');

describe('users file', () => {
  it('salted scrypt: the same password hashes differently, and only it verifies', async () => {
    const a = await hashPassword('s3cret');
    const b = await hashPassword('s3cret');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword('s3cret', a)).toBe(true);
    expect(await verifyPassword('s3cret ', a)).toBe(false);
    expect(await verifyPassword('s3cret', undefined)).toBe(false);
    expect(await verifyPassword('s3cret', 'md5:5ebe2294ecd0e0f08eab7690d2a6ee69')).toBe(false);
  });

  it('passwd adds, then changes, keeping other users, mode 0600, never the clear password', async () => {
    const { dir } = writeSite({});
    const file = path.join(dir, 'users');
    const add = spawnSync(process.execPath, [BIN, 'passwd', 'alice', '--users', file, '--password-stdin'], { input: 's3cret\n', encoding: 'utf8' });
    expect(add.status, add.stderr).toBe(0);
    expect(add.stderr).toBe(`provdisc: added alice in ${file}\n`);
    expect(await verifyPassword('s3cret', readUsers(file).get('alice'))).toBe(true);
    expect(await setUserPassword(file, 'bob', 'hunter2')).toBe('added');
    const before = readUsers(file).get('bob');
    expect(await setUserPassword(file, 'alice', 'n3w')).toBe('changed');
    const users = readUsers(file);
    expect([...users.keys()]).toEqual(['alice', 'bob']);
    expect(users.get('bob')).toBe(before);
    expect(await verifyPassword('n3w', users.get('alice'))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/s3cret|hunter2|n3w/);
  });

  it('refuses a bad name, an empty password or a damaged file, leaving the file as it was', async () => {
    const { dir } = writeSite({});
    const file = path.join(dir, 'users');
    await expect(setUserPassword(file, 'a:b', 'x')).rejects.toThrow(/holds ':'/);
    await expect(setUserPassword(file, 'a', '')).rejects.toThrow(/password is empty/);
    writeFileSync(file, 'alice:plaintext\n');
    await expect(setUserPassword(file, 'bob', 'x')).rejects.toThrow(/users, line 1 is not name:hash/);
    expect(readFileSync(file, 'utf8')).toBe('alice:plaintext\n');
  });

  it('provdisc passwd without a terminal or --password-stdin says how to give the password', async () => {
    const { dir } = writeSite({});
    const run = await runCli('passwd', 'alice', '--users', path.join(dir, 'users'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/stdin is not a terminal[\s\S]*fix: .*--password-stdin/);
  });
});

describe('login limiter', () => {
  it('blocks an address at its 10th failure within a minute until that minute ends; others are unaffected', () => {
    let now = 0;
    const limiter = new LoginLimiter(() => now);
    for (let i = 0; i < 9; i++) limiter.reserve('a');
    expect(limiter.blockedFor('a')).toBe(0);
    now = 30_000;
    limiter.reserve('a');
    expect(limiter.blockedFor('a')).toBe(30_000);
    expect(limiter.blockedFor('b')).toBe(0);
    now = 60_000;
    expect(limiter.blockedFor('a')).toBe(0);
  });

  it('counts a login as failed while it is checked, and not once it succeeds', () => {
    const limiter = new LoginLimiter(() => 0);
    const pending = Array.from({ length: 10 }, () => limiter.reserve('a'));
    expect(limiter.blockedFor('a')).toBe(60_000); // ten checks under way: an eleventh waits
    pending[0]!.release();
    expect(limiter.blockedFor('a')).toBe(0);
  });
});
