/**
 * What a check found, in the one shape every `--json` check prints (`provision`, `serve --check`,
 * `avahi --check`, `dhcp-config --check`): a level, a stable code for scripts, the message, and where
 * known the line and the fix.
 */
import type { Problem } from './errors.js';

export type FindingLevel = 'error' | 'warning' | 'info';

export interface Finding {
  readonly level: FindingLevel;
  readonly code: string;
  readonly message: string;
  readonly line?: number | undefined;
  readonly fix?: string | undefined;
}

/** A problem that stops a server or a client is an error. */
export function problemFinding(p: Problem): Finding {
  return { level: 'error', code: p.code, message: p.message, fix: p.fix };
}
