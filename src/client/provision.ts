/**
 * The HTTP exchange of a Jitsi client with its provisioning server, as its HttpUtils does it (Apache
 * HttpClient 4.5, default redirect strategy and retry handler):
 * - one POST of the form (`application/x-www-form-urlencoded`, UTF-8) to the URL without its query;
 * - connect and socket timeouts of 10 s; a connection closed or reset before the answer is retried 3
 *   times (a timeout, a refused connection or a TLS failure is not);
 * - a 303 answer to the POST is followed with a GET of the Location, without the form; 301, 302, 307
 *   and 308 are not followed after a POST (the request fails), but are after a GET; at most 10
 *   redirects, none back to a URL already visited, and a Location Java's URI class refuses fails;
 * - 401 and 403 both mean "ask the credentials again and post again"; provdisc stops after a few tries
 *   where the client would ask forever. A Basic challenge also gets an Authorization header;
 * - only a 200 answer is used. Every other end is a ProvisionFailure saying what the client does then
 *   (client-verdict.ts).
 */
import http from 'node:http';
import https from 'node:https';
import { ProtocolError, ProvdiscError, setting, UsageError } from '../util/errors.js';
import { credentialsAgain, failure, untrustedCertificate, type ClientReactions, type ProvisionFailureCode } from './client-verdict.js';
import { formBody, type Credentials, type ProvisioningRequest } from './post-form.js';

export const REQUEST_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 10;
/** DefaultHttpRequestRetryHandler(3, true): three more tries of a request whose connection broke. */
export const RETRIES = 3;
export const DEFAULT_AUTH_ATTEMPTS = 3;
/** An answer is a small text file; anything much bigger is not one. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface TlsSettings {
  /** PEM text of the CA certificates the client trusts (its trust store); default: the system's. */
  readonly ca?: string | Buffer | undefined;
  /** Accept any certificate, as a user who accepts the certificate dialog. */
  readonly insecure?: boolean | undefined;
}

/** One request and its answer, for the report. */
export interface Exchange {
  readonly method: 'POST' | 'GET';
  readonly url: string;
  readonly status: number;
  readonly location?: string | undefined;
}

export interface ProvisionResult {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The URL the answer came from. */
  readonly url: string;
  readonly exchanges: readonly Exchange[];
  /** The last form posted. */
  readonly request: ProvisioningRequest;
  readonly credentials: Credentials | undefined;
  /** A password (form field or Basic) went to an http:// URL. */
  readonly passwordSentInClear: boolean;
  readonly warnings: readonly string[];
}

/** Builds the form for given credentials (the template's username/password fields take them). */
export type RequestBuilder = (credentials: Credentials | undefined) => ProvisioningRequest;

export interface AuthPrompt {
  readonly url: string;
  readonly status: number;
  /** 1 for the first time the server refuses. */
  readonly attempt: number;
  readonly realm: string | undefined;
  readonly previous: Credentials | undefined;
}

export interface ProvisionOptions {
  readonly build: RequestBuilder;
  readonly credentials?: Credentials | undefined;
  /** On 401/403: new credentials, or undefined to give up. */
  readonly askCredentials?: ((prompt: AuthPrompt) => Promise<Credentials | undefined>) | undefined;
  readonly tls?: TlsSettings | undefined;
  /** What the client's configuration makes of a failure (clientReactions). */
  readonly reactions?: ClientReactions | undefined;
  readonly timeoutMs?: number | undefined;
  readonly userAgent?: string | undefined;
  readonly maxAuthAttempts?: number | undefined;
}

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const REDIRECT_AFTER_GET = new Set([301, 302, 303, 307, 308]);
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ERR_TLS|ERR_SSL/;
/** Broken connections HttpClient's retry handler tries again; timeouts, refusals and TLS failures it does not. */
const RETRIED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Characters java.net.URI refuses unescaped: a Location holding one fails the redirect. */
const NOT_IN_A_URI = /[\s"<>\\^`{|}]/;

/** A request that ended without an answer: why, and whether HttpClient tries it again. */
class NoAnswer extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function send(method: 'POST' | 'GET', url: URL, body: string | undefined, headers: Record<string, string>, options: ProvisionOptions): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const requestHeaders: Record<string, string> = { 'User-Agent': options.userAgent ?? 'Jitsi', ...headers };
  if (body !== undefined) {
    requestHeaders['Content-Type'] = 'application/x-www-form-urlencoded';
    requestHeaders['Content-Length'] = String(Buffer.byteLength(body));
  }
  const secure = url.protocol === 'https:';
  const ca = options.tls?.ca;
  const tlsOptions: https.RequestOptions = secure ? { rejectUnauthorized: !options.tls?.insecure, ...(ca ? { ca: ca.toString() } : {}) } : {};
  return new Promise<Answer>((resolve, reject) => {
    // `timeout` is the socket's idle time: while connecting (connect timeout) and between packets (socket timeout)
    const req = (secure ? https : http).request(url, { method, headers: requestHeaders, agent: false, timeout: timeoutMs, ...tlsOptions }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(
            new ProtocolError(`the answer from ${url.href} is over ${MAX_BODY_BYTES / 1024 / 1024} MiB: not a provisioning file`, {
              code: 'answer-too-large',
              hint: 'check the URL',
            }),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new NoAnswer(`no answer from ${url.host} within ${timeoutMs} ms`, 'ETIMEDOUT')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(err instanceof NoAnswer || err instanceof ProvdiscError ? err : new NoAnswer(err.message, err.code ?? '')),
    );
    req.end(body);
  });
}

/** One request as HttpClient makes it: a broken connection tried again, any other end explained. */
async function request(
  method: 'POST' | 'GET',
  url: URL,
  body: string | undefined,
  headers: Record<string, string>,
  options: ProvisionOptions,
  warnings: string[],
): Promise<Answer> {
  const reactions = options.reactions ?? {};
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(method, url, body, headers, options);
    } catch (err) {
      if (!(err instanceof NoAnswer)) throw err;
      if (RETRIED.has(err.code) && attempt < RETRIES) {
        warnings.push(`${url.host} closed the connection without answering the ${method} (${err.code}): the client tries again (${attempt + 1} of ${RETRIES})`);
        continue;
      }
      if (TLS_ERRORS.test(err.code)) {
        if (reactions.untrusted !== 'accept') throw untrustedCertificate(url.host, `${err.code}: ${err.message}`, reactions);
        warnings.push(`the certificate of ${url.host} is not trusted (${err.code}); the client accepts it without asking (ALWAYS_TRUST_MODE_ENABLED is set)`);
        return request(method, url, body, headers, { ...options, tls: { ...options.tls, insecure: true } }, warnings);
      }
      throw failure(
        describeNoAnswer(err, url, method, attempt),
        'check that the server is up and answers within 10 s (the client waits no longer)',
        reactions,
        noAnswerCode(err),
      );
    }
  }
}

function noAnswerCode(err: NoAnswer): ProvisionFailureCode {
  if (err.code === 'ETIMEDOUT') return 'timeout';
  if (err.code === 'ECONNREFUSED') return 'connection-refused';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'host-not-found';
  return 'request-failed';
}

function describeNoAnswer(err: NoAnswer, url: URL, method: string, retries: number): string {
  const tried = retries > 0 ? `, after ${retries} more tries` : '';
  if (err.code === 'ETIMEDOUT') return `${err.message} to the ${method}`;
  if (err.code === 'ECONNREFUSED') return `${url.host} refused the connection`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `cannot resolve ${url.hostname}`;
  return `the ${method} to ${url.href} failed (${err.code || err.message})${tried}`;
}

function basicRealm(headers: http.IncomingHttpHeaders): { basic: boolean; realm: string | undefined } {
  const challenge = headers['www-authenticate'] ?? '';
  const basic = /^\s*basic\b/i.test(challenge);
  return { basic, realm: /realm="([^"]*)"/i.exec(challenge)?.[1] };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface Hop {
  readonly method: 'POST' | 'GET';
  readonly url: URL;
  readonly answer: Answer;
}

/**
 * The redirects HttpClient follows from the POST's answer: a 303 after the POST, any redirect after a
 * GET; anything else is the last hop. A redirect it cannot follow fails, as in the client.
 */
async function followRedirects(
  first: Hop,
  options: ProvisionOptions,
  exchanges: Exchange[],
  warnings: string[],
  authHeader: (u: URL) => Record<string, string>,
): Promise<Hop> {
  const reactions = options.reactions ?? {};
  // as RedirectExec: the URLs redirected to, not the first one
  const visited = new Set<string>();
  let hop = first;
  for (let redirects = 0; ; redirects++) {
    const { method, url, answer } = hop;
    const status = `${url.href} answered ${answer.status} ${answer.statusText} to the ${method}`;
    const follows = method === 'POST' ? answer.status === 303 : REDIRECT_AFTER_GET.has(answer.status);
    if (!follows) {
      if (method === 'POST' && REDIRECT_AFTER_GET.has(answer.status)) {
        throw failure(
          `${status}, which the client does not follow after a POST (only a 303)`,
          'answer 303 See Other, or point the template at the final URL',
          reactions,
          'unexpected-status',
        );
      }
      return hop;
    }
    const location = headerValue(answer.headers.location);
    let next: URL | undefined;
    try {
      next = location === undefined || NOT_IN_A_URI.test(location) ? undefined : new URL(location, url);
    } catch {
      next = undefined;
    }
    if (next === undefined) {
      throw failure(
        `${status} with ${location === undefined ? 'no Location' : `the Location "${location}", which is not a URI the client accepts`}`,
        'the provisioning server sent a bad redirect: fix the Location it sends (a URL, or a path on the same server)',
        reactions,
        'bad-redirect',
      );
    }
    if (redirects >= MAX_REDIRECTS) throw failure(`${status}: more than ${MAX_REDIRECTS} redirects`, 'check for a redirect loop', reactions, 'bad-redirect');
    if (visited.has(next.href))
      throw failure(`${status}: a redirect back to ${next.href}, where the client has been already`, 'check for a redirect loop', reactions, 'bad-redirect');
    visited.add(next.href);
    if (url.protocol === 'https:' && next.protocol === 'http:') warnings.push(`${url.host} redirects to ${next.href}: from there on nothing is encrypted`);
    if (method === 'POST') warnings.push(`the POST was answered 303: the client follows with a GET of ${next.href}, without the form`);
    const nextAnswer = await request('GET', next, undefined, authHeader(next), options, warnings);
    exchanges.push({ method: 'GET', url: next.href, status: nextAnswer.status, location: headerValue(nextAnswer.headers.location) });
    hop = { method: 'GET', url: next, answer: nextAnswer };
  }
}

/** Posts the form and follows the server as the client does; resolves with the 200 answer. */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const exchanges: Exchange[] = [];
  const warnings: string[] = [];
  const maxAuth = options.maxAuthAttempts ?? DEFAULT_AUTH_ATTEMPTS;
  let credentials = options.credentials;
  let basicFor: string | undefined; // origin that asked for Basic authentication
  let refusals = 0;
  let passwordSentInClear = false;

  for (;;) {
    const posted = options.build(credentials);
    let url: URL;
    try {
      url = new URL(posted.postUrl);
    } catch {
      throw new UsageError(`"${posted.postUrl}" is not a URL the client can post to`, 'check the template', 'invalid-template');
    }
    const authHeader = (target: URL): Record<string, string> =>
      credentials && basicFor === target.origin
        ? { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` }
        : {};
    const sendsPassword = posted.fields.some((f) => f.credential === 'password' && f.value !== '') || authHeader(url).Authorization !== undefined;
    if (sendsPassword && url.protocol === 'http:') passwordSentInClear = true;

    const answer = await request('POST', url, formBody(posted), authHeader(url), options, warnings);
    exchanges.push({ method: 'POST', url: url.href, status: answer.status, location: headerValue(answer.headers.location) });
    const last = await followRedirects({ method: 'POST', url, answer }, options, exchanges, warnings, authHeader);

    const what = `${last.url.href} answered ${last.answer.status} ${last.answer.statusText} to the ${last.method}`;
    if (last.answer.status === 401 || last.answer.status === 403) {
      refusals++;
      const { basic, realm } = basicRealm(last.answer.headers);
      if (basic) basicFor = last.url.origin;
      const hint = `give the right credentials with ${setting('username')} and ${setting('readPassword')} (or ${setting('askAgain')})`;
      if (refusals > maxAuth) throw credentialsAgain(`${what} ${refusals} times, still refused after ${maxAuth} new credentials`, hint);
      if (!options.askCredentials) throw credentialsAgain(`${what} (the credentials are missing or wrong, and there is no terminal to ask for new ones)`, hint);
      const next = await options.askCredentials({ url: last.url.href, status: last.answer.status, attempt: refusals, realm, previous: credentials });
      if (!next) throw credentialsAgain(`${what}, and no new credentials were given`, hint);
      credentials = next;
      continue;
    }
    if (last.answer.status !== 200)
      throw failure(what, 'the client uses only a 200 answer (or a 303 to one); check the server log', options.reactions ?? {}, 'unexpected-status');
    return {
      status: last.answer.status,
      contentType: headerValue(last.answer.headers['content-type']),
      body: last.answer.body,
      url: last.url.href,
      exchanges,
      request: posted,
      credentials,
      passwordSentInClear,
      warnings,
    };
  }
}
