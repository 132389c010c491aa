import { afterAll, beforeAll } from 'vitest';
import { createLab, type Lab, type LabOptions } from './lab.js';
import type { Requirements } from './requirements.js';

/**
 * A lab for the enclosing suite: built in beforeAll (after the peer check), closed in afterAll,
 * so a failing test body cannot leave namespaces or processes behind.
 */
export function useLab(options: LabOptions, requirements?: Requirements): () => Lab {
  let lab: Lab | undefined;
  beforeAll(async () => {
    requirements?.assert();
    lab = await createLab(options);
  });
  afterAll(async () => {
    await lab?.close();
  });
  return () => {
    if (!lab) throw new Error('the lab is not ready (beforeAll failed?)');
    return lab;
  };
}
