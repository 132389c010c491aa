import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

/** scrypt as node's, counting how many hashes are on the thread pool at once. */
const pool = vi.hoisted(() => ({ running: 0, most: 0 }));
vi.mock('node:crypto', async (original) => {
  const real = await original<typeof crypto>();
  const scrypt = (
    password: crypto.BinaryLike,
    salt: crypto.BinaryLike,
    bytes: number,
    options: crypto.ScryptOptions,
    done: (err: Error | null, key: Buffer) => void,
  ) => {
    pool.most = Math.max(pool.most, ++pool.running);
    real.scrypt(password, salt, bytes, options, (err, key) => {
      pool.running--;
      done(err, key);
    });
  };
  return { ...real, scrypt };
});

const { hashPassword, SCRYPT_AT_ONCE, verifyPassword } = await import('../../../src/server/users.js');

describe('password checks under a flood', () => {
  it('run at most SCRYPT_AT_ONCE hashes at once; the rest queue and are all answered right', async () => {
    const hash = await hashPassword('s3cret');
    pool.most = 0;
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => verifyPassword(i === 7 ? 's3cret' : `guess${i}`, hash)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[7]).toBe(true);
    expect(pool.most).toBe(SCRYPT_AT_ONCE);
  });

  it("an admin's check has a lane of its own: it is answered before the clients' queue drains, one hash more on the pool at most", async () => {
    const hash = await hashPassword('s3cret');
    pool.most = 0;
    const done: string[] = [];
    const clients = Array.from({ length: 16 }, (_, i) => verifyPassword(`guess${i}`, hash).then(() => done.push(`client ${i}`)));
    const admin = verifyPassword('s3cret', hash, undefined, 'admins').then((ok) => done.push(`admin ${ok}`));
    await Promise.all([...clients, admin]);
    // queued with the clients it would have come 17th
    expect(done.indexOf('admin true')).toBeLessThan(8);
    expect(pool.most).toBe(SCRYPT_AT_ONCE + 1);
  });
});
