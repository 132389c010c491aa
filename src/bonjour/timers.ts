/**
 * The timeouts of one responder, cancelled together when it stops: announcements still due, answers
 * held back, the pauses of probing.
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    this.pending.add(t);
  }

  /** A pause that cancel() ends early, so that a start() waiting in it settles instead of hanging. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.later(ms, wake);
    });
  }

  /** Drops every timeout still due and ends every pause now. */
  cancel(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}
