/**
 * The HTTP exchange of a Jitsi client with its provisioning server, as its HttpUtils does it
 * (Apache HttpClient 4):
 * - one POST of the form (`application/x-www-form-urlencoded`, UTF-8) to the URL without its query;
 * - a 301, 302 or 303 answer to the POST is followed with a GET of the Location, without the form; up
 *   to 10 redirects, GETs following 307/308 too. A Location holding `${` is instead expanded as a new
 *   template and posted to, with the credentials already typed. A 307 or 308 answer to the POST is not
 *   followed, so it fails like any answer other than 200;
 * - 401 and 403 both mean "ask the credentials again and post again"; provdisc stops after a few tries
 *   where the client would ask forever. A Basic challenge also gets an Authorization header;
 * - only a 200 answer is used. Every request has a timeout (Jitsi's are 10 s).
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { NetworkError, ProtocolError, ProvdiscError, setting, UsageError } from '../util/errors.js';
import { formBody, type Credentials, type ProvisioningRequest } from './post-form.js';

export const REQUEST_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 10;
export const DEFAULT_AUTH_ATTEMPTS = 3;
/** An answer is a small text file; anything much bigger is not one. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface TlsSettings {
  /** PEM text of extra CA certificates to trust, besides the system ones. */
  readonly ca?: string | Buffer | undefined;
  /** Accept any certificate. */
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
  /** A redirect whose Location holds `${…}`: expand it as a new template. */
  readonly expandLocation?: ((location: string) => Promise<RequestBuilder>) | undefined;
  readonly tls?: TlsSettings | undefined;
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

const REDIRECT_AFTER_POST = new Set([301, 302, 303]);
const REDIRECT_AFTER_GET = new Set([301, 302, 303, 307, 308]);
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ERR_TLS/;

function send(method: 'POST' | 'GET', url: URL, body: string | undefined, headers: Record<string, string>, options: ProvisionOptions): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const secure = url.protocol === 'https:';
  const requestHeaders: Record<string, string> = { 'User-Agent': options.userAgent ?? 'Jitsi', ...headers };
  if (body !== undefined) {
    requestHeaders['Content-Type'] = 'application/x-www-form-urlencoded';
    requestHeaders['Content-Length'] = String(Buffer.byteLength(body));
  }
  const ca = options.tls?.ca;
  const tlsOptions: https.RequestOptions = secure
    ? { rejectUnauthorized: !options.tls?.insecure, ...(ca ? { ca: [...tls.rootCertificates, ca.toString()] } : {}) }
    : {};
  return new Promise<Answer>((resolve, reject) => {
    const req = (secure ? https : http).request(url, { method, headers: requestHeaders, agent: false, timeout: timeoutMs, ...tlsOptions }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new ProtocolError(`the answer from ${url.href} is over ${MAX_BODY_BYTES / 1024 / 1024} MiB: not a provisioning file`, { code: 'answer-too-large', hint: 'check the URL' }));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(
        new NetworkError(`no answer from ${url.host} within ${timeoutMs} ms`, {
          code: 'timeout',
          hint: `check that the server is up, or allow more time with ${setting('timeoutMs')}`,
        }),
      ),
    );
    req.on('error', (err: NodeJS.ErrnoException) => reject(explain(err, url)));
    req.end(body);
  });
}

function explain(err: NodeJS.ErrnoException, url: URL): ProvdiscError {
  if (err instanceof ProvdiscError) return err;
  const code = err.code ?? '';
  if (TLS_ERRORS.test(code)) {
    return new NetworkError(`the certificate of ${url.host} was rejected (${code}: ${err.message})`, {
      code: 'tls-rejected',
      hint: `trust the CA that signed it with ${setting('tls.ca')} (PEM); ${setting('tls.insecure')} skips the check, for tests only`,
      cause: err,
    });
  }
  if (code === 'ECONNREFUSED') {
    return new NetworkError(`${url.host} refused the connection`, { code: 'connection-refused', hint: 'check the host and port, and that the server runs', cause: err });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new NetworkError(`cannot resolve ${url.hostname}`, { code: 'host-not-found', hint: 'check the host name and DNS', cause: err });
  }
  return new NetworkError(`request to ${url.href} failed: ${err.message}`, { code: 'request-failed', hint: 'check the URL and the network', cause: err });
}

function basicRealm(headers: http.IncomingHttpHeaders): { basic: boolean; realm: string | undefined } {
  const challenge = headers['www-authenticate'] ?? '';
  const basic = /^\s*basic\b/i.test(challenge);
  return { basic, realm: /realm="([^"]*)"/i.exec(challenge)?.[1] };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Posts the form and follows the server as the client does; resolves with the 200 answer. */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const exchanges: Exchange[] = [];
  const warnings: string[] = [];
  const maxAuth = options.maxAuthAttempts ?? DEFAULT_AUTH_ATTEMPTS;
  let build = options.build;
  let credentials = options.credentials;
  let basicFor: string | undefined; // origin that asked for Basic authentication
  let refusals = 0;
  let redirects = 0;
  let passwordSentInClear = false;

  for (;;) {
    const request = build(credentials);
    let url: URL;
    try {
      url = new URL(request.postUrl);
    } catch {
      throw new UsageError(`"${request.postUrl}" is not a URL the client can post to`, 'check the template', 'invalid-template');
    }
    const authHeader = (target: URL): Record<string, string> =>
      credentials && basicFor === target.origin
        ? { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` }
        : {};
    const sendsPassword = request.fields.some((f) => f.credential === 'password' && f.value !== '') || authHeader(url).Authorization !== undefined;
    if (sendsPassword && url.protocol === 'http:') passwordSentInClear = true;

    let method: 'POST' | 'GET' = 'POST';
    let answer = await send('POST', url, formBody(request), authHeader(url), options);
    let location = headerValue(answer.headers.location);
    exchanges.push({ method, url: url.href, status: answer.status, location });

    let restart = false;
    while (location !== undefined && redirects < MAX_REDIRECTS && (method === 'POST' ? REDIRECT_AFTER_POST : REDIRECT_AFTER_GET).has(answer.status)) {
      redirects++;
      if (location.includes('${') && options.expandLocation) {
        build = await options.expandLocation(location);
        restart = true;
        break;
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new ProtocolError(
          `${url.href} answered ${answer.status} ${answer.statusText} to the ${method} with the Location "${location}", which is not a URL`,
          { code: 'bad-redirect', hint: 'the provisioning server sent a bad redirect: fix the Location it sends (a URL, or a path on the same server)' },
        );
      }
      if (url.protocol === 'https:' && next.protocol === 'http:') warnings.push(`${url.host} redirects to ${next.href}: from there on nothing is encrypted`);
      if (method === 'POST') warnings.push(`the POST was answered ${answer.status}: the client follows with a GET of ${next.href}, without the form`);
      method = 'GET';
      url = next;
      answer = await send('GET', url, undefined, authHeader(url), options);
      location = headerValue(answer.headers.location);
      exchanges.push({ method, url: url.href, status: answer.status, location });
    }
    if (restart) continue;

    if (answer.status === 401 || answer.status === 403) {
      refusals++;
      const { basic, realm } = basicRealm(answer.headers);
      if (basic) basicFor = url.origin;
      const giveUp = (why: string) =>
        new UsageError(
          `${url.host} answered ${answer.status} ${answer.statusText}${refusals > 1 ? ` ${refusals} times` : ''}: ${why}`,
          `give the right credentials with ${setting('username')} and ${setting('readPassword')} (or ${setting('askAgain')})`,
          'credentials-refused',
        );
      if (refusals > maxAuth) throw giveUp(`still refused after ${maxAuth} new credentials`);
      if (!options.askCredentials) throw giveUp('the credentials are missing or wrong, and there is no terminal to ask for new ones');
      const next = await options.askCredentials({ url: url.href, status: answer.status, attempt: refusals, realm, previous: credentials });
      if (!next) throw giveUp('no new credentials given');
      credentials = next;
      continue;
    }
    if (answer.status !== 200) {
      const hint =
        method === 'POST' && (answer.status === 307 || answer.status === 308)
          ? 'the client does not follow a 307/308 answer to its POST: answer 303 (or post to the final URL)'
          : REDIRECT_AFTER_GET.has(answer.status) && redirects >= MAX_REDIRECTS
            ? `the client stops after ${MAX_REDIRECTS} redirects: check for a redirect loop`
            : 'the client only uses a 200 answer; check the server log';
      throw new ProtocolError(`${url.href} answered ${answer.status} ${answer.statusText} to the ${method}`, { code: 'unexpected-status', hint });
    }
    return {
      status: answer.status,
      contentType: headerValue(answer.headers['content-type']),
      body: answer.body,
      url: url.href,
      exchanges,
      request,
      credentials,
      passwordSentInClear,
      warnings,
    };
  }
}
