/**
 * The provisioning server: Fastify (routes with schemas, body limit, timeouts, TLS, graceful close,
 * and `inject` for tests), answering a Jitsi client's POST with its profiles' properties.
 * - POST on the template's path: the answer (401 on bad credentials, 403 while an address or a user
 *   name has too many failed logins, 503 when the directory cannot be asked, 400 for a form that
 *   would turn a value into `${null}`, 401 instead when the user name or password typed does it, as
 *   the client then asks for them again);
 * - any other method there: 405 with a hint; `GET /healthz`: 200;
 * - a body over 64 KiB, a field over FIELD_LIMIT or an answer over ANSWER_LIMIT_BYTES: 413 (401 for a
 *   user name or password over FIELD_LIMIT);
 * - slow headers, a slow request or a stalled TLS handshake: the connection is closed.
 * Requests refused before routing (unparsable, timed out, headers too large, an Expect it cannot
 * meet) and failed TLS handshakes are reported and counted like every other request.
 * The site can be replaced while serving (reload): requests already running finish with the old one.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { ANSWER_CONTENT_TYPE, buildAnswer, checkFieldLengths, HostileFieldError, OversizeRequestError, type Form } from './answer.js';
import { findAccount, type Account } from './accounts.js';
import { DirectoryUnavailableError } from './directory.js';
import { checkLogin, type LoginResult } from './login.js';
import { LoginLimiter } from './login-limiter.js';
import type { Site } from './site.js';
import type { Inventory } from '../inventory/inventory.js';
import type { VisitRecord } from '../inventory/records.js';

export const BODY_LIMIT_BYTES = 64 * 1024;
/** Jitsi's own timeouts are 10 s: a client taking longer than this (headers, or the TLS handshake) is not a Jitsi client. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const HEALTH_PATH = '/healthz';

/** One line of the request log: never a password. */
export interface RequestRecord {
  readonly time: string;
  readonly client: string;
  /** null when the request was refused before it could be read (400, 408, 431). */
  readonly method: string | null;
  readonly path: string | null;
  readonly username: string | null;
  readonly osname: string | null;
  readonly hwaddr: string | null;
  readonly uuid: string | null;
  readonly profiles: readonly string[];
  readonly status: number;
  readonly ms: number;
  /** Why a request was refused (not for 200). */
  readonly reason?: string | undefined;
}

/** A TLS connection that never became a request: no ClientHello in time, a client refusing the certificate… */
export interface HandshakeFailure {
  readonly time: string;
  readonly client: string;
  readonly reason: string;
}

export interface ServerOptions {
  readonly onRequest?: ((record: RequestRecord) => void) | undefined;
  /** Where every request answered (and every one refused unread) is recorded; `record` never waits. */
  readonly inventory?: Pick<Inventory, 'record'> | undefined;
  readonly onHandshakeFailure?: ((failure: HandshakeFailure) => void) | undefined;
  readonly limiter?: LoginLimiter | undefined;
  /** Defaults HEADERS_TIMEOUT_MS (headers and TLS handshake) and REQUEST_TIMEOUT_MS; shorter ones for tests. */
  readonly timeouts?: { readonly headersMs: number; readonly requestMs: number } | undefined;
}

interface Outcome {
  form: Form;
  profiles: readonly string[];
  reason?: string;
}

function toForm(body: unknown): Form {
  const form = new Map<string, string>();
  if (typeof body !== 'object' || body === null) return form;
  for (const [name, value] of Object.entries(body as Record<string, string | string[]>)) {
    // a repeated field: the first, as servlet getParameter does
    form.set(name, Array.isArray(value) ? (value[0] ?? '') : value);
  }
  return form;
}

const FORM_SCHEMA = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
} as const;

/** A running provisioning server for one site at a time. */
export class ProvisioningServer {
  readonly app: FastifyInstance;
  private site: Site;
  private readonly limiter: LoginLimiter;
  private readonly outcomes = new WeakMap<FastifyRequest, Outcome>();
  private readonly clients = new WeakMap<FastifyRequest, string>();
  /** Requests answered, by status, those refused before routing included. */
  readonly counts = new Map<number, number>();
  /** TLS connections that failed before any request. */
  handshakeFailures = 0;
  private readonly handshakeFailed = new WeakSet<Socket>();

  constructor(
    site: Site,
    private readonly options: ServerOptions = {},
  ) {
    this.site = site;
    this.limiter = options.limiter ?? new LoginLimiter();
    const { headersMs, requestMs } = options.timeouts ?? { headersMs: HEADERS_TIMEOUT_MS, requestMs: REQUEST_TIMEOUT_MS };
    // node looks for timed-out connections every connectionsCheckingInterval (30 s by default)
    const timeouts = { headersTimeout: headersMs, requestTimeout: requestMs, connectionsCheckingInterval: Math.min(1_000, headersMs) };
    this.app = Fastify({
      logger: false,
      bodyLimit: BODY_LIMIT_BYTES,
      requestTimeout: requestMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // close() ends idle keep-alive connections at once and lets running requests finish
      forceCloseConnections: 'idle',
      return503OnClosing: true,
      ...(site.tls ? { https: { cert: site.tls.cert, key: site.tls.key, handshakeTimeout: headersMs, ...timeouts } } : { http: timeouts }),
      clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => this.refuseUnread(err, socket),
    } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
    // node answers an Expect other than 100-continue with 417 itself, unseen, unless someone listens
    this.app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
      this.recordUnread(req.socket, 417, `cannot meet "Expect: ${req.headers.expect ?? ''}"`);
      res.writeHead(417, { 'Content-Type': 'text/plain', Connection: 'close' }).end('only Expect: 100-continue is supported\n');
    });
    // https passes a failed handshake on as a clientError, which destroys the socket and its address:
    // this runs first, and the clientError handler then knows it is no HTTP request
    this.app.server.prependListener('tlsClientError', (err: Error, socket: Socket) => {
      this.handshakeFailed.add(socket);
      this.handshakeFailures++;
      this.options.onHandshakeFailure?.({ time: new Date().toISOString(), client: socket.remoteAddress ?? '', reason: err.message });
    });
    this.routes();
  }

  /** What node's HTTP parser refused (as Fastify's default handler answers it), counted and reported. */
  private refuseUnread(err: NodeJS.ErrnoException, socket: Socket): void {
    // a reset connection is gone, and was no request; a failed handshake is reported as such
    if (this.handshakeFailed.has(socket)) return void socket.destroy();
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const reason =
      status === 408 ? 'the request did not arrive in time' : status === 431 ? 'request headers too large' : `malformed request (${err.code ?? err.message})`;
    this.recordUnread(socket, status, reason);
    if (socket.writable) {
      const body = `${reason}\n`;
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  }

  private recordUnread(socket: Socket, status: number, reason: string): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
    const time = new Date().toISOString();
    const client = socket.remoteAddress ?? '';
    const unread = { username: null, osname: null, hwaddr: null, uuid: null, profiles: [] };
    this.options.onRequest?.({ time, client, method: null, path: null, ...unread, status, ms: 0, reason });
    this.options.inventory?.record({ time, client, ...unread, build: null, arch: null, ipaddr: null, status, reason });
  }

  /** Serves `site` from now on. Listening address and via are fixed at start; TLS files are reloaded. */
  replaceSite(site: Site): string[] {
    const notes: string[] = [];
    if (site.listen.host !== this.site.listen.host || site.listen.port !== this.site.listen.port)
      notes.push('listen changed: restart provdisc serve to apply it');
    if (site.path !== this.site.path) notes.push(`the template's path changed: clients are now answered on ${site.path}`);
    if (Boolean(site.tls) !== Boolean(this.site.tls)) notes.push('http/https changed: restart provdisc serve to apply it');
    else if (site.tls) (this.app.server as unknown as import('node:tls').Server).setSecureContext({ cert: site.tls.cert, key: site.tls.key });
    if (site.inventory?.setting !== this.site.inventory?.setting || site.inventory?.days !== this.site.inventory?.days)
      notes.push('inventory changed: restart provdisc serve to apply it');
    if (site.via.join() !== this.site.via.join() || site.template !== this.site.template)
      notes.push('template or via changed: restart provdisc serve to advertise the new one');
    this.site = site;
    return notes;
  }

  private routes(): void {
    const app = this.app;
    // Jitsi posts a form and nothing else: other bodies get 415
    app.removeAllContentTypeParsers();
    void app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
    app.get(HEALTH_PATH, async (_req, reply) => reply.type('text/plain').send('ok\n'));
    // one wildcard route: the path can change with a reload
    app.route({
      method: 'POST',
      url: '/*',
      schema: { body: FORM_SCHEMA },
      // a form with no field may come without a body at all
      preValidation: (req, _reply, done) => {
        req.body ??= {};
        done();
      },
      handler: (req, reply) => this.provision(req, reply),
    });
    app.route({
      method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
      url: '/*',
      handler: async (req, reply) => {
        if (this.pathOf(req) !== this.site.path) return this.notFound(reply);
        return reply
          .code(405)
          .header('Allow', 'POST')
          .type('text/plain')
          .send(
            `Jitsi clients POST their form here (application/x-www-form-urlencoded); ${req.method} is not used.\nTry it as a client would: provdisc provision '${this.site.template}'\n`,
          );
      },
    });
    app.setNotFoundHandler((_req, reply) => this.notFound(reply));
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
      this.outcomes.set(req, { form: new Map(), profiles: [], reason: err.message });
      void reply
        .code(status)
        .type('text/plain')
        .send(`${status === 500 ? 'internal error' : err.message}\n`);
    });
    // the address is read as the request arrives: by the time the answer is logged, a client that
    // hung up at once has taken its socket's address with it
    app.addHook('onRequest', (req, _reply, done) => {
      this.clients.set(req, req.ip);
      done();
    });
    app.addHook('onResponse', (req, reply, done) => {
      this.record(req, reply);
      done();
    });
  }

  private clientOf(req: FastifyRequest): string {
    return this.clients.get(req) ?? req.ip ?? '';
  }

  private pathOf(req: FastifyRequest): string {
    return req.url.split('?')[0] ?? '';
  }

  private notFound(reply: FastifyReply): FastifyReply {
    return reply.code(404).type('text/plain').send(`not found; Jitsi clients post to ${this.site.path}\n`);
  }

  private async provision(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const site = this.site;
    if (this.pathOf(req) !== site.path) return this.notFound(reply);
    const form = toForm(req.body);
    const outcome: Outcome = { form, profiles: [] };
    this.outcomes.set(req, outcome);
    try {
      // before the login and the matching, which both read the fields
      checkFieldLengths(form);
    } catch (err) {
      return this.refuse(reply, outcome, 413, err as OversizeRequestError);
    }
    try {
      let account: Account | undefined;
      if (site.login) {
        const login = await this.login(site, this.clientOf(req), form);
        if (login.status !== 200) {
          outcome.reason = login.reason;
          if (login.retryAfterS !== undefined) void reply.header('Retry-After', String(login.retryAfterS));
          return reply.code(login.status).type('text/plain').send(`${login.message}\n`);
        }
        account = login.account;
      }
      if (site.accounts && account === undefined) account = await findAccount(site.accounts, form);
      const answer = buildAnswer(site, form, account);
      outcome.profiles = answer.profiles;
      return reply.code(200).type(ANSWER_CONTENT_TYPE).send(answer.body);
    } catch (err) {
      if (err instanceof OversizeRequestError) return this.refuse(reply, outcome, 413, err);
      if (err instanceof HostileFieldError) return this.refuse(reply, outcome, 400, err);
      if (err instanceof DirectoryUnavailableError) {
        outcome.reason = err.message;
        return reply.code(503).type('text/plain').send('the directory cannot be asked now; try again later\n');
      }
      throw err;
    }
  }

  /**
   * The login, through the limiter. A throttled client gets 403 with Retry-After: Jitsi then asks
   * for the credentials again, where a 429 would fail silently and leave it unconfigured.
   */
  private async login(
    site: Site,
    ip: string,
    form: Form,
  ): Promise<{ status: 200; account: Account | undefined } | { status: 401 | 403; reason: string; message: string; retryAfterS?: number }> {
    const admission = await this.limiter.admit(ip, form.get(site.usernameField ?? '') ?? '');
    if ('throttledForMs' in admission) {
      const retryAfterS = Math.ceil(admission.throttledForMs / 1000);
      return {
        status: 403,
        reason:
          admission.by === 'queue'
            ? 'too many logins waiting from this address'
            : `too many failed logins ${admission.by === 'address' ? 'from this address' : 'for this user name'}`,
        message: `${admission.by === 'queue' ? 'too many logins at once' : 'too many failed logins'}; try again in ${retryAfterS} s`,
        retryAfterS,
      };
    }
    let result: LoginResult;
    try {
      result = await checkLogin(site, form);
    } catch (err) {
      admission.end('unchecked');
      throw err;
    }
    admission.end(result.ok ? 'accepted' : 'refused');
    if (result.ok) return { status: 200, account: result.account };
    return { status: 401, reason: `wrong user name or password${result.reason ? ` (${result.reason})` : ''}`, message: 'wrong user name or password' };
  }

  private refuse(reply: FastifyReply, outcome: Outcome, status: 400 | 413, err: HostileFieldError | OversizeRequestError): FastifyReply {
    outcome.reason = err.message;
    // an oversized field is not logged: only which field and its length, in the reason
    if (status === 413) outcome.form = new Map();
    // Jitsi gives up silently on a 400 or 413, but asks its user again on a 401: when what was typed
    // (user name, password) is at fault, the user can type it again
    const typed = [this.site.usernameField, this.site.passwordField];
    const code = err.fields.some((f) => typed.includes(f)) ? 401 : status;
    return reply.code(code).type('text/plain').send(`${err.message}\n`);
  }

  private record(req: FastifyRequest, reply: FastifyReply): void {
    this.counts.set(reply.statusCode, (this.counts.get(reply.statusCode) ?? 0) + 1);
    const { onRequest, inventory } = this.options;
    if (!onRequest && !inventory) return;
    const outcome = this.outcomes.get(req);
    const site = this.site;
    const field = (placeholder: string): string | null => {
      const name = site.fieldOf.get(placeholder);
      // a field carrying the password is never read back, whatever other placeholder it also carries
      return (name === undefined || site.secretFields.has(name) ? undefined : outcome?.form.get(name)) ?? null;
    };
    const visit: VisitRecord = {
      time: new Date().toISOString(),
      client: this.clientOf(req),
      username: field('username'),
      osname: field('osname'),
      hwaddr: field('hwaddr'),
      uuid: field('uuid'),
      build: field('build'),
      arch: field('arch'),
      ipaddr: field('ipaddr'),
      profiles: outcome?.profiles ?? [],
      status: reply.statusCode,
      reason: outcome?.reason ?? null,
    };
    inventory?.record(visit);
    onRequest?.({
      time: visit.time,
      client: visit.client,
      method: req.method,
      path: this.pathOf(req),
      username: visit.username,
      osname: visit.osname,
      hwaddr: visit.hwaddr,
      uuid: visit.uuid,
      profiles: visit.profiles,
      status: visit.status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...(outcome?.reason ? { reason: outcome.reason } : {}),
    });
  }

  /** Starts listening on the site's address; resolves with the URL it listens on (0.0.0.0 kept as given). */
  async listen(): Promise<string> {
    const { host, port } = this.site.listen;
    await this.app.listen({ host, port });
    const actual = (this.app.server.address() as import('node:net').AddressInfo).port;
    return `${this.site.scheme}://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  }

  /** Stops accepting, lets running requests finish, then resolves. */
  close(): Promise<void> {
    // a request finishing during close() leaves a keep-alive connection: end it as soon as it is idle
    const sweep = setInterval(() => this.app.server.closeIdleConnections(), 100);
    return this.app.close().finally(() => clearInterval(sweep));
  }
}
