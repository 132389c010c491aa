/**
 * The errors the library throws on purpose. Each has a stable `code` a caller can branch on (the list
 * is in docs/library.md) and, where the caller can act, a `hint` saying how. The class tells whose
 * fault it is: the caller's input, the network, a name held by another host, or a peer breaking its
 * protocol. Texts name the library's settings with `setting()`; the CLI says its flags instead.
 */

/** A setting named in a message, hint or warning: its library name in backquotes, e.g. `host`. */
export function setting(name: string): string {
  return `\`${name}\``;
}

export interface ProvdiscErrorOptions<Code extends string> {
  readonly code: Code;
  readonly hint?: string | undefined;
  readonly cause?: unknown;
}

export class ProvdiscError<Code extends string = string> extends Error {
  override name = 'ProvdiscError';
  readonly code: Code;
  /** How to fix it, when the caller can. */
  readonly hint: string | undefined;
  constructor(message: string, options: ProvdiscErrorOptions<Code>) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.hint = options.hint;
  }
}

export type UsageErrorCode =
  | 'usage'
  | 'invalid-template'
  | 'invalid-setting'
  | 'invalid-file'
  | 'template-too-long'
  | 'no-interface'
  | 'credentials-missing'
  | 'credentials-refused'
  | 'hostile-field'
  | 'oversize-request';

/**
 * What the user gave (a template, a setting, a file) is refused. The CLI prints it without a stack
 * trace and exits 1; `hint` says how to fix it.
 */
export class UsageError extends ProvdiscError<UsageErrorCode> {
  override name = 'UsageError';
  constructor(message: string, hint?: string, code: UsageErrorCode = 'usage') {
    super(message, { code, hint });
  }
}

export type NetworkErrorCode =
  | 'timeout'
  | 'connection-refused'
  | 'host-not-found'
  | 'tls-rejected'
  | 'request-failed'
  | 'no-route'
  | 'port-in-use'
  | 'port-forbidden'
  | 'send-failed'
  | 'no-answer'
  | 'directory-unavailable';

/** The network failed us: a refused connection, a rejected certificate, no answer in time, a port taken. */
export class NetworkError extends ProvdiscError<NetworkErrorCode> {
  override name = 'NetworkError';
}

export type ProtocolErrorCode = 'answer-too-large' | 'bad-redirect' | 'unexpected-status' | 'malformed-packet';

/** A peer broke its protocol: a malformed packet, a redirect to no URL, an answer a client cannot use. */
export class ProtocolError extends ProvdiscError<ProtocolErrorCode> {
  override name = 'ProtocolError';
}

/** Receives non-fatal advice (an http template, an oversize TXT record). */
export type WarningSink = (message: string) => void;

/** Something in a file that would stop its server or a Jitsi client, and how to fix it. */
export interface Problem {
  /** Stable, for scripts (`--check --json`). */
  readonly code: string;
  readonly message: string;
  readonly fix: string;
}
