/**
 * How conflicts after announcing are told to a person: the first conflicting answer from a host at
 * once, then at most one report per interval with the count of answers since the last one, and a
 * last word when the host has been quiet for a while. The responder defends on every answer; only
 * the telling is throttled, so a rogue that answers every query cannot flood the terminal. At most
 * MAX_HOSTS hosts are told apart; answers from any further host (a rogue spoofing sources) are summed
 * up in one report of their own, so neither the terminal nor memory grows with the sources.
 */
import type { Conflict } from './responder.js';

const CONFLICT_REPORT_INTERVAL_MS = 30_000;
const CONFLICT_QUIET_MS = 30_000;
const MAX_HOSTS = 64;
/** The holder of the answers beyond MAX_HOSTS; no host key has no '|'. */
const MORE = '*';

export type ConflictNotice =
  | {
      readonly kind: 'conflict';
      readonly conflict: Conflict;
      /** Conflicting answers from this host since the last report (the first report: 1). */
      readonly count: number;
      /** Since this host first conflicted. */
      readonly total: number;
    }
  | {
      readonly kind: 'more';
      /** Conflicting answers from hosts beyond the first `hosts` since the last such report. */
      readonly count: number;
      readonly total: number;
      readonly hosts: number;
      readonly interface: string;
    }
  | { readonly kind: 'quiet'; readonly from: string; readonly interface: string; readonly total: number; readonly quietMs: number };

interface Holder {
  last: Conflict;
  lastReport: number;
  unreported: number;
  total: number;
  reportTimer: NodeJS.Timeout | undefined;
  /** Undefined only until seen() arms it, right after making the holder. */
  quietTimer: NodeJS.Timeout | undefined;
}

export class ConflictWatch {
  private readonly holders = new Map<string, Holder>();

  constructor(
    private readonly notify: (notice: ConflictNotice) => void,
    private readonly intervalMs = CONFLICT_REPORT_INTERVAL_MS,
    private readonly quietMs = CONFLICT_QUIET_MS,
    private readonly maxHosts = MAX_HOSTS,
  ) {}

  seen(conflict: Conflict): void {
    let key = `${conflict.interface}|${conflict.from}`;
    if (!this.holders.has(key) && this.holders.size - (this.holders.has(MORE) ? 1 : 0) >= this.maxHosts) key = MORE;
    const now = Date.now();
    let h = this.holders.get(key);
    if (h) {
      clearTimeout(h.quietTimer);
      h.last = conflict;
      h.unreported++;
      h.total++;
    } else {
      h = { last: conflict, lastReport: -Infinity, unreported: 1, total: 1, reportTimer: undefined, quietTimer: undefined };
      this.holders.set(key, h);
    }
    const holder = h;
    holder.quietTimer = setTimeout(() => this.quiet(key, holder), this.quietMs);
    if (now - holder.lastReport >= this.intervalMs) this.report(key, holder);
    else holder.reportTimer ??= setTimeout(() => this.report(key, holder), holder.lastReport + this.intervalMs - now);
  }

  /** Stops the timers; nothing more is told. */
  close(): void {
    for (const h of this.holders.values()) {
      clearTimeout(h.quietTimer);
      clearTimeout(h.reportTimer);
    }
    this.holders.clear();
  }

  private report(key: string, h: Holder): void {
    clearTimeout(h.reportTimer);
    h.reportTimer = undefined;
    if (h.unreported === 0) return;
    if (key === MORE) this.notify({ kind: 'more', count: h.unreported, total: h.total, hosts: this.maxHosts, interface: h.last.interface });
    else this.notify({ kind: 'conflict', conflict: h.last, count: h.unreported, total: h.total });
    h.unreported = 0;
    h.lastReport = Date.now();
  }

  private quiet(key: string, h: Holder): void {
    this.report(key, h);
    this.holders.delete(key);
    // the hosts beyond the cap are many: their last report was their word
    if (key !== MORE) this.notify({ kind: 'quiet', from: h.last.from, interface: h.last.interface, total: h.total, quietMs: this.quietMs });
  }
}
