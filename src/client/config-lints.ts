/**
 * What an answer's keys mean to the client, checked against the catalog of the keys it reads
 * (jitsi-catalog.ts): a key it never reads (a typo is silent), an account block AccountManager will
 * not load or will store again at each provisioning, and an ENFORCE_PREFIX that takes back the account
 * the answer just sent.
 */
import type { Lint, LintLevel } from './answer-lints.js';
import type { KeyCatalog } from './jitsi-catalog.js';
import type { Application, Step } from './jitsi-rules.js';

type AddLint = (level: LintLevel, code: string, message: string, line?: number) => void;

/** Keys the answer sets (or stores encrypted) that the client reads nowhere: warnings, with the nearest key it does read. */
export function lintUnknownKeys(steps: readonly Step[], catalog: KeyCatalog, add: AddLint): void {
  for (const s of steps) {
    if (s.action !== 'set' && s.action !== 'password') continue;
    if (!catalog.covers(s.key) || catalog.isKnown(s.key)) continue;
    const near = catalog.suggest(s.key);
    add('warning', 'unknown-key', `${s.key} is not a key the client reads${near ? `: did you mean ${near}?` : ''} (it is stored, and does nothing)`, s.line);
  }
}

interface AccountBlock {
  readonly root: string;
  readonly line: number;
}

/** The account blocks the answer writes to, by `<package>.<node>`, with the first line that does. */
function accountBlocks(steps: readonly Step[], catalog: KeyCatalog): Map<string, AccountBlock> {
  const blocks = new Map<string, AccountBlock>();
  for (const s of steps) {
    if (s.action !== 'set' && s.action !== 'password') continue;
    const root = catalog.accountOf(s.storedAs ?? s.key);
    if (root === undefined) continue;
    if (!blocks.has(root)) blocks.set(root, { root, line: s.line });
  }
  return blocks;
}

/** `SIP:alice@pbx.example.org` from a block's USER_ID, or a placeholder. */
function uidExample(application: Application, block: AccountBlock): string {
  const protocol =
    application.after.get(`${block.root}.PROTOCOL_NAME`) ?? (/\.protocol\.([^.]+)\./.exec(`${block.root}.`)?.[1] === 'jabber' ? 'Jabber' : 'SIP');
  const user = application.after.get(`${block.root}.USER_ID`) ?? 'user';
  const server = application.after.get(`${block.root}.SERVER_ADDRESS`) ?? 'server';
  return `${protocol}:${user.includes('@') ? user : `${user}@${server}`}`;
}

/**
 * Each account block the answer writes, in the configuration that results: AccountManager loads only
 * `<package>.accN` whose parent key `<package>.accN=accN` exists, and finds an account again by its
 * ACCOUNT_UID: without one it stores the account anew under `acc<millis>` at each provisioning.
 */
export function lintAccounts(application: Application, catalog: KeyCatalog, add: AddLint): void {
  const enforced = application.steps.filter((s) => s.action === 'enforce-prefix');
  for (const block of accountBlocks(application.steps, catalog).values()) {
    const node = block.root.slice(block.root.lastIndexOf('.') + 1);
    const removedBy = enforced.find((e) => e.line > block.line && e.removed.some((k) => k === block.root || k.startsWith(`${block.root}.`)));
    if (removedBy !== undefined) {
      add(
        'warning',
        'enforce-removes-account',
        `ENFORCE_PREFIX removes the account ${block.root} this answer sent at line ${block.line}: the client never loads it; add ${block.root.slice(0, block.root.lastIndexOf('.'))} to the prefixes`,
        removedBy.line,
      );
      continue;
    }
    if (application.after.get(block.root) === undefined) {
      add(
        'error',
        'account-without-parent',
        `the account ${block.root} has no parent key: the client does not load it (its keys stay in the configuration, unused); add ${block.root}=${node}`,
        block.line,
      );
    }
    if (application.after.get(`${block.root}.ACCOUNT_UID`) === undefined) {
      add(
        'error',
        'account-without-uid',
        `the account ${block.root} has no ACCOUNT_UID: the client cannot find it again and stores it anew under a new acc<millis> node at every provisioning (one more copy each time); add ${block.root}.ACCOUNT_UID=${uidExample(application, block)}`,
        block.line,
      );
    }
  }
}

/** Every catalog finding of an applied answer. */
export function lintWithCatalog(application: Application, catalog: KeyCatalog): Lint[] {
  const lints: Lint[] = [];
  const add: AddLint = (level, code, message, line) => lints.push({ level, code, message, line });
  lintUnknownKeys(application.steps, catalog, add);
  lintAccounts(application, catalog, add);
  return lints;
}
