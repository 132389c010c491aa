/**
 * Human mode of the responders (advertise, serve with `via`): one line per client not seen for a
 * minute, at most LINES_PER_WINDOW lines per window, the rest summed up when the next window opens —
 * so a flood of made-up sources costs a line, not a screenful, and the memory of clients stays bounded.
 */
import QuickLRU from 'quick-lru';

const CLIENT_MEMORY_MS = 60_000;
/** At most this many clients are remembered; past it the least recently seen are forgotten first. */
const CLIENTS_REMEMBERED = 10_000;
const LINES_PER_WINDOW = 10;
const WINDOW_MS = 10_000;

export interface ClientLineStyle<E> {
  /** What makes two events the same client. */
  key(e: E): string;
  line(e: E): string;
  /** The summary of `count` clients not listed in the last window. */
  untold(count: number, windowSeconds: number): string;
}

export function newClientLines<E>(write: (line: string) => void, style: ClientLineStyle<E>): (e: E) => void {
  // QuickLRU holds up to twice maxSize keys: the recent ones and the generation before them
  const lastSeen = new QuickLRU<string, true>({ maxSize: CLIENTS_REMEMBERED / 2, maxAge: CLIENT_MEMORY_MS });
  let windowStart = 0;
  let lines = 0;
  let held = 0;
  return (e) => {
    const key = style.key(e);
    const known = lastSeen.has(key);
    lastSeen.set(key, true);
    if (known) return;
    const now = Date.now();
    if (now - windowStart >= WINDOW_MS) {
      if (held > 0) write(style.untold(held, WINDOW_MS / 1000));
      windowStart = now;
      lines = 0;
      held = 0;
    }
    if (lines < LINES_PER_WINDOW) {
      lines++;
      write(style.line(e));
    } else {
      held++;
    }
  };
}
