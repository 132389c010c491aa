import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface TempDir {
  /** The directory of the running test. */
  dir(): string;
  /** NAME inside it. */
  file(name: string): string;
  /** NAME inside it, read as UTF-8. */
  read(name: string): string;
}

/** A fresh directory for each test of the calling file, removed after the test whatever its outcome. */
export function useTempDir(prefix: string): TempDir {
  let current: string | undefined;
  beforeEach(() => {
    current = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    if (current) rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  const dir = () => {
    if (!current) throw new Error('useTempDir: the directory exists only while a test runs');
    return current;
  };
  const file = (name: string) => path.join(dir(), name);
  return { dir, file, read: (name) => readFileSync(file(name), 'utf8') };
}
