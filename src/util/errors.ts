/**
 * An error caused by what the user gave us (a template, a flag, a file). The CLI prints it without a
 * stack trace and exits 1; `hint` says how to fix it.
 */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
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
