/**
 * Human mode of the responders (advertise, serve with `via`): one line per client not seen for a
 * minute, at most LINES_PER_WINDOW lines per window, the rest summed up when the next window opens —
 * so a flood of made-up sources costs a line, not a screenful, and the memory of clients stays bounded.
 */
const CLIENT_MEMORY_MS = 60_000;
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
  const lastSeen = new Map<string, number>();
  let windowStart = 0;
  let lines = 0;
  let held = 0;
  return (e) => {
    const now = Date.now();
    const key = style.key(e);
    const known = (lastSeen.get(key) ?? -Infinity) > now - CLIENT_MEMORY_MS;
    lastSeen.set(key, now);
    if (lastSeen.size > CLIENTS_REMEMBERED) {
      for (const [k, t] of lastSeen) if (t < now - CLIENT_MEMORY_MS) lastSeen.delete(k);
      // all still fresh (a flood of made-up sources): forget them rather than rescan on every event
      if (lastSeen.size > CLIENTS_REMEMBERED) lastSeen.clear();
    }
    if (known) return;
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
