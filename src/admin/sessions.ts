/**
 * Admin sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure over TLS), held in
 * memory only, so a restart logs everyone out. A session ends SESSION_MS after the login, or after
 * IDLE_MS without a request; past MAX_SESSIONS the oldest is dropped.
 */
import { randomBytes } from 'node:crypto';

const COOKIE_NAME = 'provdisc_admin';
const SESSION_MS = 8 * 3600_000;
export const IDLE_MS = 30 * 60_000;
const MAX_SESSIONS = 1000;

interface Session {
  readonly user: string;
  readonly started: number;
  used: number;
}

export class Sessions {
  private readonly map = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session for `user`; returns its token. */
  open(user: string): string {
    const token = randomBytes(32).toString('base64url');
    if (this.map.size >= MAX_SESSIONS) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    const now = this.now();
    this.map.set(token, { user, started: now, used: now });
    return token;
  }

  /** The user of a live session, which is kept alive; undefined for an unknown or ended one. */
  user(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    const s = this.map.get(token);
    if (!s || !this.alive(token)) {
      this.map.delete(token);
      return undefined;
    }
    s.used = this.now();
    return s.user;
  }

  /** Whether the session is live, without counting this as a use (an open event stream is no use). */
  alive(token: string): boolean {
    const s = this.map.get(token);
    const now = this.now();
    return s !== undefined && now - s.started < SESSION_MS && now - s.used < IDLE_MS;
  }

  /** Ends every session whose user `keep` refuses: an admin removed, or whose password changed. */
  endUnless(keep: (user: string) => boolean): void {
    for (const [token, s] of this.map) if (!keep(s.user)) this.map.delete(token);
  }

  close(token: string | undefined): void {
    if (token !== undefined) this.map.delete(token);
  }
}

/** The session cookie's value from a Cookie header. */
export function sessionToken(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value: the token, or an empty one that ends the cookie. */
export function sessionCookie(token: string | undefined, secure: boolean): string {
  const life = token === undefined ? 'Max-Age=0' : `Max-Age=${SESSION_MS / 1000}`;
  return `${COOKIE_NAME}=${token ?? ''}; Path=/admin; HttpOnly; SameSite=Strict; ${life}${secure ? '; Secure' : ''}`;
}
