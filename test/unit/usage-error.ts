import { expect } from 'vitest';
import { UsageError } from '../../src/util/errors.js';

/** Runs `fn`, expecting a UsageError; returns it so a test can look at what the user is told. */
export function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}
