import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateUuid, uuidStatePath } from '../../../src/client/uuid-state.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-uuid-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the UUID state file', () => {
  it('is --uuid-file, else $PROVDISC_UUID_FILE, else under $XDG_STATE_HOME, else ~/.local/state', () => {
    expect(uuidStatePath('/x/u', { PROVDISC_UUID_FILE: '/y/u' })).toBe('/x/u');
    expect(uuidStatePath(undefined, { PROVDISC_UUID_FILE: '/y/u', XDG_STATE_HOME: '/s' })).toBe('/y/u');
    expect(uuidStatePath(undefined, { XDG_STATE_HOME: '/s' }, '/home/ann')).toBe('/s/provdisc/uuid');
    expect(uuidStatePath(undefined, { XDG_STATE_HOME: 'relative' }, '/home/ann')).toBe('/home/ann/.local/state/provdisc/uuid');
    expect(uuidStatePath(undefined, {}, '/home/ann')).toBe('/home/ann/.local/state/provdisc/uuid');
  });

  it('is made once (private), then the same UUID comes back', async () => {
    const file = path.join(dir, 'fresh', 'uuid');
    const first = await loadOrCreateUuid(file);
    expect(first.created).toBe(true);
    expect(first.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateUuid(file)).toEqual({ uuid: first.uuid, created: false });
  });

  it('refuses a file that holds no UUID, naming it', async () => {
    const file = path.join(dir, 'bad-uuid');
    writeFileSync(file, 'hello\n');
    await expect(loadOrCreateUuid(file)).rejects.toThrow(`the UUID file ${file} holds "hello"`);
  });
});
