import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/cli');

/** Which command modules each command module imports. */
function commandImports(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const file of readdirSync(cli).filter((f) => f.endsWith('-command.ts'))) {
    const text = readFileSync(path.join(cli, file), 'utf8');
    const imported = [...text.matchAll(/from '\.\/([a-z-]+-command)\.js'/g)].map((m) => `${m[1]}.ts`);
    if (imported.length > 0) out[file] = imported;
  }
  return out;
}

describe('src/cli commands', () => {
  it('share helpers through common.ts and terminal.ts, not by importing each other (the known pairs aside)', () => {
    expect(commandImports()).toEqual({
      // provision is expand plus the POST: it builds the same request from the same options
      'provision-command.ts': ['expand-command.ts'],
      'serve-command.ts': ['advertise-command.ts'], // serve --via prints advertise's events
    });
  });
});
