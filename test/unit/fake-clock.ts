import { afterEach, beforeEach, vi } from 'vitest';

/** Fake timers and Date for each test of the calling file, starting at `start`; real ones after it. */
export function useFakeClock(start = new Date('2026-01-01T00:00:00Z')): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: start });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
