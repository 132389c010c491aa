/**
 * The Jitsi client end to end, as `provdisc provision` plays it: the request (client-request.ts), the
 * HTTP exchange (provision.ts), the answer applied to the client's configuration with its rules
 * (jitsi-rules.ts), what changed, the findings (answer-lints.ts), and the configuration written
 * unless the answer is broken.
 */
import { writeFileAtomically } from '../util/atomic-write.js';
import { lintAnswer, type Lint } from './answer-lints.js';
import { prepareClientRequest, type ClientRequest, type ClientRequestOptions } from './client-request.js';
import { encryptJitsiPassword, jitsiCredentialsKey } from './encrypted-password.js';
import { JITSI_APPLICATION_NAME, JITSI_BUILD } from './environment.js';
import type { ExpansionContext } from './expansion.js';
import { clientReactions } from './client-verdict.js';
import { applyAnswer, diffConfigurations, LOCALE_PROPERTIES, UUID_PROPERTY, withClientState, type Application, type DiffEntry } from './jitsi-rules.js';
import { buildRequest } from './post-form.js';
import { decodeAnswer, formatProperties, parseProperties } from './properties-file.js';
import { provision, type ProvisionOptions, type ProvisionResult, type TlsSettings } from './provision.js';
import { loadOrCreateUuid, uuidStatePath } from './uuid-state.js';

export interface SimulateClientOptions extends ClientRequestOptions {
  /** The client's UUID and language are taken from `configuration`, not from here. */
  readonly context?: Omit<ExpansionContext, 'clientUuid' | 'clientLocale'> | undefined;
  /** The client's configuration before provisioning (its sip-communicator.properties); default empty. */
  readonly configuration?: ReadonlyMap<string, string> | undefined;
  /** The client's master password, which encrypts the provisioned passwords; default none set. Jitsi refuses an empty one. */
  readonly masterPassword?: string | undefined;
  /** Where the master password came from, for the findings ("from master.txt"). */
  readonly masterPasswordSource?: string | undefined;
  readonly tls?: TlsSettings | undefined;
  /** Of each HTTP request. */
  readonly timeoutMs?: number | undefined;
  /** When the server refuses the credentials (401, 403): new ones, or undefined to give up. */
  readonly askAgain?: ProvisionOptions['askCredentials'];
  /** Where to write the resulting configuration (atomically, private to its owner), unless the answer has errors. */
  readonly writeTo?: string | undefined;
}

export interface ClientSimulation {
  /** The first request, and what it was made from. */
  readonly prepared: ClientRequest;
  /** The HTTP exchange, up to the answer used. */
  readonly exchange: ProvisionResult;
  readonly application: Application;
  /** From the configuration given to the one after provisioning. */
  readonly diff: readonly DiffEntry[];
  readonly lints: readonly Lint[];
  /** A lint is an error: the client would load something that is not a provisioning answer. Nothing is written then. */
  readonly failed: boolean;
  /** The file written, if any. */
  readonly written: string | undefined;
}

/** Plays the client: posts the form, applies the answer, and writes the result to `writeTo` when it is sound. */
export async function simulateClient(options: SimulateClientOptions): Promise<ClientSimulation> {
  const warn = options.onWarning ?? (() => undefined);
  const start = options.configuration ?? new Map<string, string>();
  const clientLocale = LOCALE_PROPERTIES.map((k) => start.get(k)).find((v) => v !== undefined);
  const prepared = await prepareClientRequest({ ...options, context: { ...options.context, clientUuid: start.get(UUID_PROPERTY) || undefined, clientLocale } });
  if (/^http:/i.test(prepared.request.postUrl)) warn('the template uses http: the form and the answer travel in clear text; use https');
  const exchange = await post(prepared, options, start);
  for (const w of exchange.warnings) warn(w);

  const text = decodeAnswer(exchange.body);
  // the client always has a UUID (it makes one at first start) and keeps the URL it used
  const uuid =
    prepared.expansion.values.get('uuid') ||
    start.get(UUID_PROPERTY) ||
    (await loadOrCreateUuid(uuidStatePath(prepared.context.uuidFile, prepared.context.env))).uuid;
  const key = jitsiCredentialsKey(options.masterPassword);
  const application = applyAnswer(withClientState(start, { template: prepared.template, uuid }), parseProperties(text), {
    encryptPassword: (password) => encryptJitsiPassword(password, key),
  });
  const lints = lintAnswer(
    text,
    application,
    { contentType: exchange.contentType, passwordSentInClear: exchange.passwordSentInClear, answerInClear: exchange.url.startsWith('http:') },
    { masterPassword: masterPasswordNote(options) },
  );
  const failed = lints.some((l) => l.level === 'error');
  let written: string | undefined;
  if (options.writeTo !== undefined && !failed) {
    await writeFileAtomically(options.writeTo, formatProperties(application.after), { mode: 0o600 });
    written = options.writeTo;
  }
  return { prepared, exchange, application, diff: diffConfigurations(start, application.after), lints, failed, written };
}

function masterPasswordNote(options: SimulateClientOptions): string {
  if (options.masterPassword === undefined)
    return 'no master password set: the client then uses a single space, so anyone who can read its configuration can decrypt the password';
  return `the master password ${options.masterPasswordSource ?? 'given'}`;
}

/** The POST and what follows it, with the reactions of the client's configuration to a failure. */
function post(prepared: ClientRequest, options: SimulateClientOptions, start: ReadonlyMap<string, string>): Promise<ProvisionResult> {
  return provision({
    build: (credentials) => buildRequest(prepared.expansion.url, credentials),
    credentials: prepared.credentials,
    askCredentials: options.askAgain,
    reactions: clientReactions(start),
    tls: options.tls,
    timeoutMs: options.timeoutMs,
    userAgent: `${JITSI_APPLICATION_NAME}/${prepared.context.overrides?.get('build') ?? JITSI_BUILD}`,
  });
}
