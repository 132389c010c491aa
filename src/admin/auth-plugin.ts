/**
 * The admins' login: a form posting to /admin/login, checked against the admins' users file (scrypt
 * on libuv's pool, in the admins' own lane beside the clients', see LoginLane) through a LoginLimiter
 * of its own, then a session cookie. Posts are refused unless their Origin is this server (a page
 * elsewhere cannot log a browser in or out). `requireAdmin` guards every other route of the room.
 */
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginLimiter } from '../server/login-limiter.js';
import { checkUserPassword, type UserTable } from '../server/users.js';
import { messagePage, sendPage } from './layout.js';
import { loginPage } from './login-page.js';
import { sessionCookie, sessionToken, type Sessions } from './sessions.js';

export interface AdminLogin {
  readonly time: string;
  readonly client: string;
  /**
   * The name typed when it is an admin's; null otherwise, since a name that is no admin's is as
   * often a password typed in the wrong box as a guess.
   */
  readonly user: string | null;
  readonly outcome: 'accepted' | 'refused' | 'throttled' | 'bad-origin';
}

export interface AuthOptions {
  readonly users: () => UserTable;
  readonly sessions: Sessions;
  readonly limiter: LoginLimiter;
  readonly secure: boolean;
  readonly onLogin?: ((login: AdminLogin) => void) | undefined;
}

const LOGIN_BODY = {
  type: 'object',
  properties: { username: { type: 'string', maxLength: 256 }, password: { type: 'string', maxLength: 1024 } },
} as const;

/** The Origin a browser sends when posting from one of this server's own pages. */
function sameOrigin(req: FastifyRequest, secure: boolean): boolean {
  const origin = req.headers.origin;
  return origin !== undefined && req.headers.host !== undefined && origin === `${secure ? 'https' : 'http'}://${req.headers.host}`;
}

export const authPlugin: FastifyPluginAsync<AuthOptions> = async (app, { users, sessions, limiter, secure, onLogin }) => {
  await app.register(formbody, { bodyLimit: 4096 });
  const report = (req: FastifyRequest, user: string, outcome: AdminLogin['outcome']) =>
    onLogin?.({ time: new Date().toISOString(), client: req.ip, user: users().has(user) ? user : null, outcome });

  app.get('/admin/login', async (req, reply) => {
    if (sessions.user(sessionToken(req.headers.cookie)) !== undefined) return reply.redirect('/admin/', 303);
    return sendPage(reply, loginPage(undefined));
  });

  app.post<{ Body: { username?: string; password?: string } }>('/admin/login', { schema: { body: LOGIN_BODY } }, async (req, reply) => {
    const name = req.body.username ?? '';
    if (!sameOrigin(req, secure)) {
      report(req, name, 'bad-origin');
      return sendPage(
        reply,
        messagePage(undefined, 'Refused', 'This login did not come from the status page itself (its Origin header is missing or another site).'),
        403,
      );
    }
    const admission = await limiter.admit(req.ip, name);
    if ('throttledForMs' in admission) {
      const seconds = Math.ceil(admission.throttledForMs / 1000);
      report(req, name, 'throttled');
      return sendPage(reply.header('Retry-After', String(seconds)), loginPage(`Too many failed logins; try again in ${seconds} s.`, name), 403);
    }
    let ok = false;
    try {
      ok = await checkUserPassword(users(), name, req.body.password ?? '', 'admins');
    } finally {
      admission.end(ok ? 'accepted' : 'refused');
    }
    report(req, name, ok ? 'accepted' : 'refused');
    if (!ok) return sendPage(reply, loginPage('Wrong admin name or password.', name), 401);
    return reply.header('Set-Cookie', sessionCookie(sessions.open(name), secure)).redirect('/admin/', 303);
  });

  app.post('/admin/logout', async (req, reply) => {
    if (!sameOrigin(req, secure)) return sendPage(reply, messagePage(undefined, 'Refused', 'This request did not come from the status page itself.'), 403);
    sessions.close(sessionToken(req.headers.cookie));
    return reply.header('Set-Cookie', sessionCookie(undefined, secure)).redirect('/admin/login', 303);
  });
};

/** An onRequest hook: the admin of the session, or the login page (an API or event stream: 401). */
export function requireAdmin(sessions: Sessions) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = sessions.user(sessionToken(req.headers.cookie));
    if (user !== undefined) {
      req.adminUser = user;
      return;
    }
    if (req.url.startsWith('/admin/api/') || req.url.startsWith('/admin/events'))
      return void (await reply.code(401).send({ error: 'log in first', login: '/admin/login' }));
    await reply.redirect('/admin/login', 303);
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin logged in (set by requireAdmin). */
    adminUser: string;
  }
}
