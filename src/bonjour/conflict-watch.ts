/**
 * How conflicts after announcing are told to a person: the first conflicting answer from a host at
 * once, then at most one report per interval with the count of answers since the last one, and a
 * last word when the host has been quiet for a while. The responder defends on every answer; only
 * the telling is throttled, so a rogue that answers every query cannot flood the terminal.
 */
import type { Conflict } from './responder.js';

export const CONFLICT_REPORT_INTERVAL_MS = 30_000;
export const CONFLICT_QUIET_MS = 30_000;

export type ConflictNotice =
  | {
      readonly kind: 'conflict';
      readonly conflict: Conflict;
      /** Conflicting answers from this host since the last report (the first report: 1). */
      readonly count: number;
      /** Since this host first conflicted. */
      readonly total: number;
    }
  | { readonly kind: 'quiet'; readonly from: string; readonly interface: string; readonly total: number; readonly quietMs: number };

interface Holder {
  last: Conflict;
  lastReport: number;
  unreported: number;
  total: number;
  reportTimer: NodeJS.Timeout | undefined;
  quietTimer: NodeJS.Timeout;
}

export class ConflictWatch {
  private readonly holders = new Map<string, Holder>();

  constructor(
    private readonly notify: (notice: ConflictNotice) => void,
    private readonly intervalMs = CONFLICT_REPORT_INTERVAL_MS,
    private readonly quietMs = CONFLICT_QUIET_MS,
  ) {}

  seen(conflict: Conflict): void {
    const key = `${conflict.interface}|${conflict.from}`;
    const now = Date.now();
    let h = this.holders.get(key);
    if (h) {
      clearTimeout(h.quietTimer);
      h.last = conflict;
      h.unreported++;
      h.total++;
    } else {
      h = { last: conflict, lastReport: -Infinity, unreported: 1, total: 1, reportTimer: undefined, quietTimer: undefined! };
      this.holders.set(key, h);
    }
    const holder = h;
    holder.quietTimer = setTimeout(() => this.quiet(key, holder), this.quietMs);
    if (now - holder.lastReport >= this.intervalMs) this.report(holder);
    else holder.reportTimer ??= setTimeout(() => this.report(holder), holder.lastReport + this.intervalMs - now);
  }

  /** Stops the timers; nothing more is told. */
  close(): void {
    for (const h of this.holders.values()) {
      clearTimeout(h.quietTimer);
      clearTimeout(h.reportTimer);
    }
    this.holders.clear();
  }

  private report(h: Holder): void {
    clearTimeout(h.reportTimer);
    h.reportTimer = undefined;
    if (h.unreported === 0) return;
    this.notify({ kind: 'conflict', conflict: h.last, count: h.unreported, total: h.total });
    h.unreported = 0;
    h.lastReport = Date.now();
  }

  private quiet(key: string, h: Holder): void {
    this.report(h);
    this.holders.delete(key);
    this.notify({ kind: 'quiet', from: h.last.from, interface: h.last.interface, total: h.total, quietMs: this.quietMs });
  }
}
