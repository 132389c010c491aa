import { promises as fsPromises, readdirSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { stageWrite, writeFileAtomically, writeFilesAtomically } from '../../../src/util/atomic-write.js';
import { useTempDir } from '../temp-dir.js';

const { dir, file, read } = useTempDir('provdisc-atomic-');

describe('writeFileAtomically', () => {
  it('creates the file with mode 0644 whatever the umask, leaving no temporary file', async () => {
    const old = process.umask(0o077);
    try {
      const w = await writeFileAtomically(file('a.service'), 'hello\n');
      expect(w.outcome).toBe('created');
    } finally {
      process.umask(old);
    }
    expect(read('a.service')).toBe('hello\n');
    expect(statSync(file('a.service')).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir())).toEqual(['a.service']);
  });

  it('says unchanged and touches nothing when the content is the same', async () => {
    writeFileSync(file('a.service'), 'same\n', { mode: 0o600 });
    const before = statSync(file('a.service'));
    const w = await writeFileAtomically(file('a.service'), 'same\n', { backup: true });
    expect(w.outcome).toBe('unchanged');
    expect(statSync(file('a.service')).ino).toBe(before.ino);
    expect(readdirSync(dir())).toEqual(['a.service']);
  });

  it('replaces a different file, keeping the old content in FILE.bak', async () => {
    writeFileSync(file('a.service'), 'old\n');
    writeFileSync(file('a.service.bak'), 'older\n');
    const w = await writeFileAtomically(file('a.service'), 'new\n', { backup: true });
    expect(w.outcome).toBe('replaced');
    expect(w.backup).toBe(file('a.service.bak'));
    expect(read('a.service')).toBe('new\n');
    expect(read('a.service.bak')).toBe('old\n');
    expect(readdirSync(dir()).sort()).toEqual(['a.service', 'a.service.bak']);
  });

  it('replaces without a backup unless asked', async () => {
    writeFileSync(file('a.service'), 'old\n');
    const w = await writeFileAtomically(file('a.service'), 'new\n');
    expect(w.backup).toBeUndefined();
    expect(readdirSync(dir())).toEqual(['a.service']);
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writeFileAtomically(file('missing/a.service'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir())).toEqual([]);
  });
});

describe('writeFilesAtomically', () => {
  it('writes nothing when one of the files cannot be staged', async () => {
    writeFileSync(file('a.service'), 'old\n');
    writeFileSync(file('a.service.bak'), 'older\n');
    await expect(
      writeFilesAtomically([
        { file: file('a.service'), content: 'new\n', options: { backup: true } },
        { file: file('missing/hosts'), content: 'x\n' },
      ]),
    ).rejects.toThrow();
    expect(read('a.service')).toBe('old\n');
    expect(read('a.service.bak')).toBe('older\n');
    expect(readdirSync(dir()).sort()).toEqual(['a.service', 'a.service.bak']);
  });

  it('when a rename fails, keeps the files before it, leaves the others as they were and no temporary file', async () => {
    writeFileSync(file('hosts'), 'old hosts\n');
    const rename = fsPromises.rename.bind(fsPromises);
    const spy = vi.spyOn(fsPromises, 'rename').mockImplementation(async (from, to) => {
      if (String(to) === file('hosts')) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return rename(from, to);
    });
    try {
      await expect(
        writeFilesAtomically([
          { file: file('p.service'), content: 'new service\n' },
          { file: file('hosts'), content: 'new hosts\n' },
        ]),
      ).rejects.toThrow(/EIO/);
    } finally {
      spy.mockRestore();
    }
    expect(read('p.service')).toBe('new service\n');
    expect(read('hosts')).toBe('old hosts\n');
    expect(readdirSync(dir()).sort()).toEqual(['hosts', 'p.service']);
  });

  it('writes every file when all can be staged', async () => {
    const done = await writeFilesAtomically([
      { file: file('a'), content: '1' },
      { file: file('b'), content: '2' },
    ]);
    expect(done.map((d) => d.outcome)).toEqual(['created', 'created']);
    expect([read('a'), read('b')]).toEqual(['1', '2']);
  });
});

describe('stageWrite', () => {
  it('does not touch the target until commit, and discard leaves it as it was', async () => {
    writeFileSync(file('a'), 'old');
    const staged = await stageWrite(file('a'), 'new', { backup: true });
    expect(read('a')).toBe('old');
    await staged.discard();
    expect(read('a')).toBe('old');
    expect(readdirSync(dir())).toEqual(['a']);
  });
});
