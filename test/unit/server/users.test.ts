import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, readUsers, setUserPassword, verifyPassword } from '../../../src/server/users.js';
import { CHECKS_PER_ADDRESS, LoginLimiter, QUEUE_PER_ADDRESS, QUEUE_RETRY_MS, type LoginAttempt, type Throttled } from '../../../src/server/login-limiter.js';
import { runCli } from '../cli/run-cli.js';
import { writeSite } from './site-fixture.js';
import { defined } from '../../defined.js';

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

describe('scrypt cost (passwd --scrypt-n)', () => {
  it('writes the N asked for, which verifies; refuses an N outside the window', async () => {
    const { dir } = writeSite({});
    const file = path.join(dir, 'users');
    const cheap = spawnSync(process.execPath, [BIN, 'passwd', 'alice', '--users', file, '--password-stdin', '--scrypt-n', '1024'], {
      input: 's3cret\n',
      encoding: 'utf8',
    });
    expect(cheap.status, cheap.stderr).toBe(0);
    const hash = readUsers(file).get('alice');
    expect(hash).toMatch(/^\$scrypt\$N=1024,r=8,p=1\$/);
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('s3cret', undefined, hash)).toBe(false); // an unknown name, checked at the same cost
    const bad = spawnSync(process.execPath, [BIN, 'passwd', 'bob', '--users', file, '--password-stdin', '--scrypt-n', '1000'], {
      input: 'x\n',
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /error: scrypt N=1000 is refused: N=1000 is not a power of two of at least 1024\n {2}fix: give a power of two from 1024 to 131072/,
    );
    expect([...readUsers(file).keys()]).toEqual(['alice']);
  });
});

describe('login limiter', () => {
  const started = (admission: Throttled | LoginAttempt): LoginAttempt => {
    if ('throttledForMs' in admission) throw new Error(`throttled: ${JSON.stringify(admission)}`);
    return admission;
  };
  const fail = async (limiter: LoginLimiter, address: string, name: string) => started(await limiter.admit(address, name)).end('refused');

  it('only failures count: a hundred correct logins in a row from one address are never throttled', async () => {
    const limiter = new LoginLimiter(() => 0);
    for (let i = 0; i < 100; i++) started(await limiter.admit('a', 'alice')).end('accepted');
    expect('end' in (await limiter.admit('a', 'alice'))).toBe(true);
  });

  it('throttles an address at its 30th failure within a minute until that minute ends; others are unaffected', async () => {
    let now = 0;
    const limiter = new LoginLimiter(() => now);
    for (let i = 0; i < 29; i++) await fail(limiter, 'a', `user${i}`);
    started(await limiter.admit('a', 'x')).end('accepted');
    now = 30_000;
    await fail(limiter, 'a', 'user29');
    expect(await limiter.admit('a', 'alice')).toEqual({ throttledForMs: 30_000, by: 'address' });
    expect('end' in (await limiter.admit('b', 'alice'))).toBe(true);
    now = 60_000;
    expect('end' in (await limiter.admit('a', 'alice'))).toBe(true);
  });

  it('throttles a user name at its 5th failure, whatever the addresses; the address still logs in others', async () => {
    const limiter = new LoginLimiter(() => 0);
    for (let i = 0; i < 5; i++) await fail(limiter, `10.0.0.${i}`, 'bob');
    expect(await limiter.admit('10.0.0.9', 'bob')).toEqual({ throttledForMs: 60_000, by: 'user name' });
    expect('end' in (await limiter.admit('10.0.0.0', 'alice'))).toBe(true);
  });

  it('bounds the queue of one address: past it a login is refused at once (403 Retry-After), other addresses and the queue go on', async () => {
    const limiter = new LoginLimiter(() => 0, { address: 30, name: 5, perAddress: 2, queue: 3 });
    const admissions = Array.from({ length: 5 }, (_, i) => limiter.admit('a', `u${i}`));
    const settled: (Throttled | LoginAttempt)[] = [];
    admissions.forEach((p) => void p.then((x) => settled.push(x)));
    await new Promise((resolve) => setImmediate(resolve));
    // two checks running, three waiting: the queue is full
    expect(settled).toHaveLength(2);
    expect(await limiter.admit('a', 'u9')).toEqual({ throttledForMs: QUEUE_RETRY_MS, by: 'queue' });
    expect('end' in (await limiter.admit('b', 'u9'))).toBe(true);
    started(defined(settled[0])).end('accepted');
    await new Promise((resolve) => setImmediate(resolve));
    // one waiter started: a place in the queue is free again, and the next login takes it
    expect(settled).toHaveLength(3);
    let next: Throttled | LoginAttempt | undefined;
    void limiter.admit('a', 'u10').then((x) => (next = x));
    await new Promise((resolve) => setImmediate(resolve));
    expect(next).toBeUndefined();
    expect(await limiter.admit('a', 'u11')).toEqual({ throttledForMs: QUEUE_RETRY_MS, by: 'queue' });
  });

  it('a flood of 20 000 logins from one address keeps at most QUEUE_PER_ADDRESS waiting, the rest refused at once', async () => {
    const limiter = new LoginLimiter(() => 0);
    const outcomes = await Promise.all(
      Array.from({ length: 20_000 }, (_, i) => {
        const p = limiter.admit('a', `u${i}`);
        return i < QUEUE_PER_ADDRESS + CHECKS_PER_ADDRESS ? Promise.resolve('waiting') : p.then((x) => ('by' in x ? x.by : 'started'));
      }),
    );
    expect(outcomes.filter((o) => o === 'queue')).toHaveLength(20_000 - QUEUE_PER_ADDRESS - CHECKS_PER_ADDRESS);
  });

  it('runs 8 checks at once per address; the others wait their turn instead of being refused', async () => {
    const limiter = new LoginLimiter(() => 0);
    const admissions = Array.from({ length: 10 }, (_, i) => limiter.admit('a', `u${i}`));
    const settled: (Throttled | LoginAttempt)[] = [];
    admissions.forEach((p) => void p.then((x) => settled.push(x)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toHaveLength(8);
    started(defined(settled[0])).end('accepted');
    started(defined(settled[1])).end('unchecked');
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toHaveLength(10);
    expect(settled.every((x) => 'end' in x)).toBe(true);
  });

  it('a running check counts against the limit: the next waits for it, then starts (it succeeded) or is throttled (it failed)', async () => {
    const limiter = new LoginLimiter(() => 0);
    for (let i = 0; i < 3; i++) await fail(limiter, `10.1.0.${i}`, 'carol');
    const fourth = started(await limiter.admit('10.1.0.9', 'carol'));
    const fifth = started(await limiter.admit('10.1.0.9', 'carol'));
    let sixth: Throttled | LoginAttempt | undefined;
    void limiter.admit('10.1.0.8', 'carol').then((x) => (sixth = x));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sixth).toBeUndefined(); // 3 failures + 2 running: it could be the 6th guess
    fourth.end('accepted');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sixth && 'end' in sixth).toBe(true);
    fifth.end('refused');
    started(defined(sixth)).end('refused');
    expect(await limiter.admit('10.1.0.7', 'carol')).toMatchObject({ by: 'user name' });
  });
});
