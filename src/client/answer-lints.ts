/** What would go wrong, or surprise an administrator, when a Jitsi client applies a provisioning answer. */
import type { Finding, FindingLevel } from '../util/findings.js';
import { lintWithCatalog } from './config-lints.js';
import { jitsiCatalog, type KeyCatalog } from './jitsi-catalog.js';
import { splitPrefixes, SYSTEM_PREFIX, UUID_PROPERTY, PROVISIONING_URL_PROPERTY, type Application, type Step } from './jitsi-rules.js';

/** A finding on an answer: the shape of every check's findings (util/findings.ts). */
export type LintLevel = FindingLevel;
export type Lint = Finding;

/** How the answer travelled, for the lints that depend on it. */
export interface Transport {
  readonly contentType?: string | undefined;
  /** A password field went to an http:// URL. */
  readonly passwordSentInClear?: boolean | undefined;
  /** The answer came over http://. */
  readonly answerInClear?: boolean | undefined;
}

export interface LintOptions {
  /** The keys the client reads; default: the packed catalog. */
  readonly catalog?: KeyCatalog | undefined;
  /** Which master password encrypts provisioned passwords, as the findings name it; default: the client's own, unknown. */
  readonly masterPassword?: string | undefined;
}

/** When the master password is not known: that of the client, whatever its user set. */
export const CLIENT_MASTER_PASSWORD = "the client's master password (a single space until its user sets one)";

type AddLint = (level: LintLevel, code: string, message: string, line?: number) => void;

const ACCOUNT_KEY = /^net\.java\.sip\.communicator\.impl\.protocol\.[^.]+\.([^.]+)\.[^.]/;
const CLIENT_KEYS = new Set([UUID_PROPERTY, PROVISIONING_URL_PROPERTY]);

function looksLikeMarkup(text: string): string | undefined {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (/^<(!doctype\s+html|html|head|body|\?xml)\b/i.test(start) || /<\/(html|body|p|div|h1)>/i.test(text)) return 'HTML or XML';
  if (/^[{[]/.test(start)) {
    try {
      JSON.parse(start);
      return 'JSON';
    } catch {
      // a properties file can start with `{` as a key
    }
  }
  return undefined;
}

/** Finds what would go wrong, or surprise an administrator, when a client applies this answer. */
export function lintAnswer(text: string, application: Application, transport: Transport = {}, options: LintOptions = {}): Lint[] {
  const lints: Lint[] = [];
  const add: AddLint = (level, code, message, line) => lints.push({ level, code, message, line });
  lintText(text, application, transport.contentType, add);
  lintSteps(application.steps, options.masterPassword ?? CLIENT_MASTER_PASSWORD, add);
  lints.push(...lintWithCatalog(application, options.catalog ?? jitsiCatalog()));
  if (transport.passwordSentInClear) add('warning', 'password-over-http', 'the password field was sent over http: anyone on the path can read it; use https');
  if (transport.answerInClear && application.steps.some((s) => s.action === 'password')) {
    add('warning', 'password-over-http', 'the answer carries account passwords over http: anyone on the path can read them; use https');
  }
  return lints;
}

/** The answer as a whole: not a .properties file at all, empty, garbled, keys given twice. */
function lintText(text: string, application: Application, contentTypeHeader: string | undefined, add: AddLint): void {
  const { steps } = application;
  const contentType = contentTypeHeader?.split(';')[0]?.trim().toLowerCase();
  const markup = looksLikeMarkup(text);
  if (markup || (contentType && /^(text\/html|application\/(json|xml|xhtml\+xml))$/.test(contentType))) {
    add(
      'error',
      'not-properties',
      `the answer is ${markup ?? contentType}, not a .properties file (an error page?); the client would load its lines as keys (${steps.length} of them)`,
    );
  }
  if (steps.length === 0) add('warning', 'empty-answer', 'the answer holds no property: the client changes nothing');
  if (/\P{ASCII}/u.test(text)) {
    add(
      'warning',
      'not-ascii',
      'the answer holds non-ASCII bytes: Jitsi reads it as ISO-8859-1, so UTF-8 text arrives garbled; write such characters as \\uXXXX',
    );
  }
  for (const d of application.duplicates) {
    add(
      'warning',
      'duplicate-key',
      `${d.key} is given ${d.lines.length} times (lines ${d.lines.join(', ')}): the client applies only the last value, at line ${d.lines[0]}`,
      d.lines[0],
    );
  }
}

/** Each entry in the client's order, keeping track of the keys the answer itself set. */
function lintSteps(steps: readonly Step[], masterPassword: string, add: AddLint): void {
  const provisioned = new Set<string>();
  let lastEnforce: Step | undefined;
  for (const s of steps) {
    switch (s.action) {
      case 'empty-key':
        add('info', 'empty-key', 'an entry with an empty key is skipped', s.line);
        break;
      case 'allow-prefix':
      case 'enforce-prefix':
        if (splitPrefixes(s.value).includes('')) {
          add(
            'warning',
            'empty-prefix',
            `${s.key}="${s.value}" holds an empty prefix, which matches every key: it ${s.action === 'allow-prefix' ? 'allows' : 'keeps'} everything`,
            s.line,
          );
        }
        if (s.action === 'enforce-prefix') {
          lastEnforce = s;
          lintEnforce(s, provisioned, add);
        }
        break;
      case 'not-allowed':
        add('warning', 'not-allowed', `${s.key} is dropped: it starts with none of the ALLOW_PREFIX prefixes given before it`, s.line);
        break;
      case 'password':
        add(
          'info',
          'password-encrypted',
          `${s.key} is not stored as sent: the client's credential store keeps it encrypted as ${s.storedAs}, with ${masterPassword}`,
          s.line,
        );
        provisioned.add(s.storedAs ?? '');
        break;
      case 'system':
        add('info', 'system-property', `${s.key} sets the Java system property ${s.key.slice(SYSTEM_PREFIX.length)}, not a configuration key`, s.line);
        break;
      case 'set':
        provisioned.add(s.key);
        break;
      case 'removed':
        for (const k of s.removed) provisioned.delete(k);
        break;
    }
    const account = ACCOUNT_KEY.exec(s.key);
    if (account && !account[1]?.startsWith('acc') && (s.action === 'set' || s.action === 'password')) {
      add(
        'warning',
        'account-without-acc',
        `${s.key}: account properties need an account segment starting with "acc" (here "${account[1]}"), or the client ignores the account`,
        s.line,
      );
    }
  }
  if (lastEnforce) {
    const enforcedAt = lastEnforce.line;
    const later = steps.filter((s) => s.line > enforcedAt && (s.action === 'set' || s.action === 'password'));
    if (later.length > 0) {
      add(
        'info',
        'after-enforce',
        `${later.length} key(s) after ENFORCE_PREFIX (line ${enforcedAt}) are not checked by it: ${later.map((s) => s.key).join(', ')}`,
      );
    }
  }
}

/** What one ENFORCE_PREFIX took away: the user's settings, the client's own state, or what the answer set. */
function lintEnforce(s: Step, provisioned: ReadonlySet<string>, add: AddLint): void {
  const user = s.removed.filter((k) => !provisioned.has(k) && !CLIENT_KEYS.has(k));
  const own = s.removed.filter((k) => CLIENT_KEYS.has(k));
  const mine = s.removed.filter((k) => provisioned.has(k));
  if (user.length > 0)
    add('warning', 'enforce-removes-user-settings', `ENFORCE_PREFIX removes ${user.length} of the client's own settings: ${user.join(', ')}`, s.line);
  if (own.length > 0) {
    add(
      'warning',
      'enforce-removes-client-state',
      `ENFORCE_PREFIX removes ${own.join(' and ')}: the client ${own.includes(UUID_PROPERTY) ? 'makes a new UUID at its next start' : 'forgets the provisioning URL'}; add net.java.sip.communicator to the prefixes`,
      s.line,
    );
  }
  if (mine.length > 0) add('warning', 'enforce-removes-provisioned', `ENFORCE_PREFIX removes ${mine.join(', ')}, which this answer set earlier`, s.line);
}
