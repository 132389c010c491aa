/**
 * Failed logins, counted per client address and per user name across addresses. Only failures
 * count: a correct login is never refused, however many arrive together from one address (an
 * office behind NAT at 9:00). An address with ADDRESS_FAILURES failures within WINDOW_MS of its
 * first, or a user name with NAME_FAILURES, is throttled for the rest of that window: its logins are
 * answered at once, unchecked (no hash computed, no directory asked).
 *
 * Checks from one address run at most CHECKS_PER_ADDRESS at once; the others wait their turn, in
 * order, and are never refused for waiting. A check counts against the limits while it runs, so
 * parallel guesses cannot all slip under them: a check starts only while failures + running checks
 * stay under each limit, else it waits for a running one to end (a success frees the way, a failure
 * may throttle the waiters).
 *
 * The wait is bounded: past QUEUE_PER_ADDRESS logins waiting from one address, a new one is answered
 * at once as throttled (`by: 'queue'`, retry in QUEUE_RETRY_MS) instead of joining a queue it would
 * not leave before Jitsi's 10 s timeout; a flood from one address costs a bounded queue, not memory
 * and pump time growing with it.
 */
import { createHash } from 'node:crypto';

export const ADDRESS_FAILURES = 30;
export const NAME_FAILURES = 5;
export const WINDOW_MS = 60_000;
export const CHECKS_PER_ADDRESS = 8;
/**
 * Logins one address may have waiting. Sized from docs/benchmark.md: 500 users behind one NAT
 * address all logging in at once must wait, not be refused; the fastest login measured there (~100
 * checks/s, scrypt N=1024 or LDAP) gets through ~1 000 in Jitsi's 10 s, so a waiter past 1 024 would
 * time out in the queue anyway.
 */
export const QUEUE_PER_ADDRESS = 1024;
/** Retry-After for a login refused because its address's queue is full: about one queue's worth of checks. */
export const QUEUE_RETRY_MS = 10_000;
/** Past this many tracked addresses or names, ended windows are dropped before a new one is added. */
const PRUNE_AT = 10_000;

interface Counter {
  /** When the window of failures began; undefined: no failure in a running window. */
  start: number | undefined;
  failures: number;
  running: number;
}

/** A login refused unchecked: for how long, and which limit it hit. */
export interface Throttled {
  readonly throttledForMs: number;
  readonly by: 'address' | 'user name' | 'queue';
}

/** A check under way; `end` says how it went (a check that could not be made is no failure). */
export interface LoginAttempt {
  end(outcome: 'accepted' | 'refused' | 'unchecked'): void;
}

interface Waiter {
  readonly address: string;
  readonly name: string;
  readonly resolve: (admission: Throttled | LoginAttempt) => void;
}

/** Counters by key, their ended windows forgotten as they are read. */
class Counters {
  private readonly map = new Map<string, Counter>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs: number,
  ) {}

  get(key: string): Counter {
    let c = this.map.get(key);
    if (c && c.start !== undefined && this.now() - c.start >= this.windowMs) {
      c.start = undefined;
      c.failures = 0;
    }
    if (!c) {
      if (this.map.size >= PRUNE_AT) for (const k of [...this.map.keys()]) this.forgetIdle(k);
      c = { start: undefined, failures: 0, running: 0 };
      this.map.set(key, c);
    }
    return c;
  }

  /** Milliseconds until `c` may try again, with `limit` failures a window. */
  blockedFor(c: Counter, limit: number): number {
    return c.start !== undefined && c.failures >= limit ? c.start + this.windowMs - this.now() : 0;
  }

  fail(c: Counter): void {
    c.start ??= this.now();
    c.failures++;
  }

  forgetIdle(key: string): void {
    const c = this.get(key);
    if (c.running === 0 && c.failures === 0) this.map.delete(key);
  }
}

export class LoginLimiter {
  private readonly addresses: Counters;
  private readonly names: Counters;
  private readonly queues = new Map<string, Waiter[]>();

  constructor(
    now: () => number = Date.now,
    private readonly limits = { address: ADDRESS_FAILURES, name: NAME_FAILURES, perAddress: CHECKS_PER_ADDRESS, queue: QUEUE_PER_ADDRESS },
    windowMs = WINDOW_MS,
  ) {
    this.addresses = new Counters(now, windowMs);
    this.names = new Counters(now, windowMs);
  }

  /**
   * Resolves when the login of `name` from `address` may be checked (then `end` it), or at once
   * when either is throttled.
   */
  admit(address: string, name: string): Promise<Throttled | LoginAttempt> {
    // names are client text up to 4096 characters: a digest keeps the table small
    const key = createHash('sha256').update(name).digest('base64');
    const waiting = this.queues.get(address)?.length ?? 0;
    if (waiting >= this.limits.queue) return Promise.resolve({ throttledForMs: QUEUE_RETRY_MS, by: 'queue' });
    return new Promise((resolve) => {
      const queue = this.queues.get(address) ?? [];
      queue.push({ address, name: key, resolve });
      this.queues.set(address, queue);
      this.pump(address);
    });
  }

  /** Starts or throttles the waiters of `address` that can be decided now, in order. */
  private pump(address: string): void {
    const queue = this.queues.get(address) ?? [];
    // `i` moves on only past a waiter left waiting; the others leave the queue
    for (let i = 0, w = queue[i]; w !== undefined; w = queue[i]) {
      const a = this.addresses.get(w.address);
      const n = this.names.get(w.name);
      const byAddress = this.addresses.blockedFor(a, this.limits.address);
      const byName = this.names.blockedFor(n, this.limits.name);
      if (byAddress > 0 || byName > 0) {
        queue.splice(i, 1);
        w.resolve(byAddress >= byName ? { throttledForMs: byAddress, by: 'address' } : { throttledForMs: byName, by: 'user name' });
        continue;
      }
      if (a.running >= this.limits.perAddress) break;
      if (a.failures + a.running >= this.limits.address || n.failures + n.running >= this.limits.name) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      w.resolve(this.start(w, a, n));
    }
    if (queue.length === 0) this.queues.delete(address);
  }

  private start(w: Waiter, a: Counter, n: Counter): LoginAttempt {
    a.running++;
    n.running++;
    let ended = false;
    return {
      end: (outcome) => {
        if (ended) return;
        ended = true;
        a.running--;
        n.running--;
        if (outcome === 'refused') {
          this.addresses.fail(a);
          this.names.fail(n);
        }
        this.addresses.forgetIdle(w.address);
        this.names.forgetIdle(w.name);
        // a waiter of this name may sit behind another address
        for (const address of [...this.queues.keys()]) this.pump(address);
      },
    };
  }
}
