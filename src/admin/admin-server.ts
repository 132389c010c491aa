/**
 * The status page's server: its own Fastify instance on `[admin] listen` (TLS with the site's pair
 * beyond loopback), composed of small encapsulated plugins — login, pages, JSON API, event stream —
 * behind one session check, with the CSP and other security headers on every answer. Read-only: it
 * reads the inventory and the advertisement's health, and changes nothing.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { AdminSettings } from '../server/admin-section.js';
import { isLoopback, listenUrl } from '../server/listen.js';
import { LoginLimiter } from '../server/login-limiter.js';
import { apiPlugin } from './api-plugin.js';
import { ASSETS } from './assets.js';
import { authPlugin, requireAdmin, type AdminLogin } from './auth-plugin.js';
import { eventsPlugin } from './events-plugin.js';
import { messagePage, sendPage } from './layout.js';
import { pagesPlugin } from './pages-plugin.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { Sessions } from './sessions.js';
import type { AdminSources } from './sources.js';

export interface AdminServerOptions extends AdminSources {
  readonly onLogin?: ((login: AdminLogin) => void) | undefined;
  /** Tests: a clock for the sessions, a limiter with small limits. */
  readonly now?: (() => number) | undefined;
  readonly limiter?: LoginLimiter | undefined;
}

/** A Host header naming this machine's loopback (any port: an SSH tunnel may forward another). */
function loopbackHost(host: string | undefined): boolean {
  const name = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(host ?? '');
  const bare = (name?.[1] ?? name?.[2] ?? '').toLowerCase();
  return bare === 'localhost' || isLoopback(bare);
}

export class AdminServer {
  readonly app: FastifyInstance;
  private settings: AdminSettings;
  private readonly sessions: Sessions;

  constructor(settings: AdminSettings, options: AdminServerOptions) {
    this.settings = settings;
    const secure = settings.tls !== undefined;
    const sessions = (this.sessions = new Sessions(options.now));
    this.app = Fastify({
      logger: false,
      bodyLimit: 16 * 1024,
      // event streams never end by themselves: close() ends every connection
      forceCloseConnections: true,
      ...(settings.tls ? { https: { cert: settings.tls.cert, key: settings.tls.key } } : {}),
    }) as unknown as FastifyInstance;
    const app = this.app;
    app.decorateRequest('adminUser', '');
    // Plain http is served on loopback only. A page elsewhere can rebind its own name to 127.0.0.1
    // and so reach this server from the admin's browser as a same-origin page of its own; the Host
    // it then sends is its name. Over TLS the certificate stops that.
    if (!secure) {
      app.addHook('onRequest', async (req, reply) => {
        if (loopbackHost(req.headers.host)) return;
        // the port the browser used: through a tunnel it is not ours
        const port = /:(\d+)$/.exec(req.headers.host ?? '')?.[1] ?? String((app.server.address() as AddressInfo | null)?.port ?? settings.listen.port);
        await reply
          .code(421)
          .type('text/plain; charset=utf-8')
          .send(`the status page answers to 127.0.0.1, [::1] or localhost only: open ${listenUrl('http', settings.listen.host, Number(port))}/admin/\n`);
      });
    }
    app.addHook('onSend', async (_req, reply) => {
      void reply.headers(SECURITY_HEADERS);
    });
    app.setErrorHandler((err: FastifyError, req, reply) => {
      // bad query strings are the caller's; anything else here is the inventory failing to answer
      const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 503;
      const message = status === 503 ? `the inventory cannot be read now (${err.message}); try again later` : err.message;
      if (req.url.startsWith('/admin/api/')) return reply.code(status).send({ error: message });
      return sendPage(reply, messagePage(undefined, status === 503 ? 'Unavailable' : 'Bad request', message), status);
    });
    app.get('/', async (_req, reply) => reply.redirect('/admin/', 303));
    app.get('/admin', async (_req, reply) => reply.redirect('/admin/', 303));
    app.get<{ Params: { name: string } }>('/admin/static/:name', async (req, reply) => {
      const asset = ASSETS.get(req.params.name);
      if (!asset) return reply.code(404).type('text/plain').send('not found\n');
      return reply.type(asset.type).send(asset.body);
    });
    void app.register(authPlugin, {
      users: () => this.settings.users.table,
      sessions,
      limiter: options.limiter ?? new LoginLimiter(),
      secure,
      onLogin: options.onLogin,
    });
    const sources: AdminSources = { inventory: options.inventory, discovery: options.discovery };
    void app.register(async (guarded) => {
      guarded.addHook('onRequest', requireAdmin(sessions));
      await guarded.register(pagesPlugin, sources);
      await guarded.register(apiPlugin, sources);
      await guarded.register(eventsPlugin, { ...sources, sessions });
    });
  }

  /** The admins file after a reload (listen and TLS stay as they were at start). */
  replaceSettings(settings: AdminSettings): string[] {
    const notes: string[] = [];
    const { listen } = this.settings;
    if (settings.listen.host !== listen.host || settings.listen.port !== listen.port) notes.push('[admin] listen changed: restart provdisc serve to apply it');
    // a removed admin, or one whose password changed, is logged out at once, not when the session ends
    const before = this.settings.users.table;
    this.sessions.endUnless((user) => settings.users.table.get(user) === before.get(user));
    this.settings = { ...this.settings, users: settings.users };
    return notes;
  }

  /** Starts listening; resolves with the status page's URL. */
  async listen(): Promise<string> {
    const { host, port } = this.settings.listen;
    await this.app.listen({ host, port });
    return `${listenUrl(this.settings.tls ? 'https' : 'http', host, (this.app.server.address() as AddressInfo).port)}/admin/`;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
