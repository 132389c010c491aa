/**
 * `dhcp-config --check` for ISC dhcpd: reads a dhcpd.conf as dhcpd's lexer does (strings with its
 * escapes, `#` comments) and says what a Jitsi client would get, and everything that would stop it.
 * Not a full dhcpd parser: it follows the statements that matter here and leaves the rest to
 * `dhcpd -t`.
 */
import { parseTemplate } from '../template/template.js';
import { UsageError, type Problem } from '../util/errors.js';
import { DHCP_OPTION_MAX_BYTES } from './uri-option.js';

interface Token {
  readonly kind: 'word' | 'string' | 'punct';
  readonly text: string;
  /** For strings: the bytes dhcpd would send. */
  readonly bytes?: Buffer;
  readonly line: number;
}

export interface IscCheck {
  /** The URI a client would get (first value of the option defined with code 224). */
  readonly uri: string | undefined;
  readonly problems: readonly Problem[];
  readonly subnets: readonly string[];
}

const PUNCT = new Set(['{', '}', ';', '=', ',']);
const ESCAPES: Record<string, number> = { t: 9, r: 13, n: 10, b: 8 };

/** True at a byte that ends a word (or past the text's end). */
const endsWord = (byte: number | undefined) => byte === undefined || /[\s{};=,"#]/.test(String.fromCharCode(byte));

function tokenize(text: string, problems: Problem[]): Token[] {
  const src = Buffer.from(text, 'utf8');
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  // `i` moves on inside: each turn reads the byte it stopped at
  for (let byte = src[i]; byte !== undefined; byte = src[i]) {
    const c = String.fromCharCode(byte);
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < src.length && src[i] !== 0x0a) i++;
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else if (c === '"') {
      const start = line;
      const bytes: number[] = [];
      i++;
      let closed = false;
      for (let b = src[i]; b !== undefined; b = src[i]) {
        if (b === 0x22) {
          closed = true;
          i++;
          break;
        }
        if (b === 0x0a) line++;
        if (b !== 0x5c) {
          bytes.push(b);
          i++;
          continue;
        }
        const next = String.fromCharCode(src[i + 1] ?? 0);
        const octal = /^[0-7]{1,3}/.exec(src.subarray(i + 1, i + 4).toString('latin1'))?.[0];
        const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(src.subarray(i + 2, i + 4).toString('latin1'))?.[0] : undefined;
        if (octal) {
          bytes.push(Number.parseInt(octal, 8) & 0xff);
          i += 1 + octal.length;
        } else if (hex) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2 + hex.length;
        } else {
          // a backslash at the very end escapes nothing: a zero byte, as Buffer.from takes undefined
          bytes.push(ESCAPES[next] ?? src[i + 1] ?? 0);
          i += 2;
        }
      }
      if (!closed) {
        problems.push({
          code: 'unclosed-string',
          message: `line ${start}: a string is never closed (a missing or escaped '"')`,
          fix: "close it with '\"'; write a '\"' inside the URI as \\\"",
        });
      }
      tokens.push({ kind: 'string', text: Buffer.from(bytes).toString('utf8'), bytes: Buffer.from(bytes), line: start });
    } else {
      const start = i;
      while (!endsWord(src[i])) i++;
      tokens.push({ kind: 'word', text: src.subarray(start, i).toString('utf8'), line });
    }
  }
  return tokens;
}

/** The statements: token runs ended by `;`, `{` or `}`, with the block they sit in. */
function statements(tokens: Token[]): { words: Token[]; end: string; depth: number; block: string | undefined }[] {
  const out: { words: Token[]; end: string; depth: number; block: string | undefined }[] = [];
  const blocks: string[] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && (t.text === ';' || t.text === '{' || t.text === '}')) {
      if (current.length > 0 || t.text !== '}') out.push({ words: current, end: t.text, depth: blocks.length, block: blocks.at(-1) });
      if (t.text === '{') blocks.push(current[0]?.text ?? '');
      if (t.text === '}') blocks.pop();
      current = [];
    } else {
      current.push(t);
    }
  }
  if (current.length > 0) out.push({ words: current, end: '', depth: blocks.length, block: blocks.at(-1) });
  return out;
}

/** Checks a dhcpd.conf for Jitsi; `text` is the file's content. */
export function checkIscConfig(text: string): IscCheck {
  const problems: Problem[] = [];
  const stmts = statements(tokenize(text, problems));
  const word = (s: { words: Token[] }, i: number) => s.words[i]?.text;
  let name: string | undefined;
  let type: string | undefined;
  for (const s of stmts) {
    if (word(s, 0) === 'option' && word(s, 2) === 'code' && word(s, 3) === '224' && word(s, 4) === '=') {
      name = word(s, 1);
      type = s.words
        .slice(5)
        .map((t) => t.text)
        .join(' ');
    }
  }
  let value: Token | undefined;
  let authoritative = false;
  const subnets: string[] = [];
  for (const s of stmts) {
    if (word(s, 0) === 'subnet' && s.end === '{') subnets.push(`${word(s, 1)} netmask ${word(s, 3)}`);
    if (word(s, 0) === 'authoritative' && s.words.length === 1 && (s.depth === 0 || s.block === 'subnet' || s.block === 'shared-network')) authoritative = true;
    const head = s.words[0];
    if (name !== undefined && head?.text === 'option' && word(s, 1) === name && word(s, 2) !== 'code') {
      const v = s.words[2];
      if (s.end !== ';') {
        problems.push({
          code: 'option-without-semicolon',
          message: `line ${head.line}: "option ${name} …" does not end with ';'`,
          fix: 'end the statement with ;',
        });
      }
      if (!v || v.kind !== 'string' || s.words.length > 3) {
        problems.push({
          code: 'option-not-quoted',
          message: `line ${head.line}: the value of option ${name} is not one quoted string`,
          fix: `write option ${name} "https://…";`,
        });
      } else {
        value ??= v;
      }
    }
  }
  if (name === undefined) {
    problems.push({
      code: 'option-224-undefined',
      message: 'no option is defined with code 224: dhcpd does not know the option Jitsi asks for',
      fix: 'add: option sc-pserv code 224 = text;',
    });
  } else if (type !== 'text' && type !== 'string') {
    problems.push({
      code: 'option-224-not-text',
      message: `option ${name} (code 224) is declared "${type}"; Jitsi reads the URI as text`,
      fix: `declare it: option ${name} code 224 = text;`,
    });
  }
  if (name !== undefined && !value) {
    problems.push({
      code: 'option-224-no-value',
      message: `option ${name} is defined but never given a value: dhcpd sends no option 224`,
      fix: `add: option ${name} "https://…";`,
    });
  }
  if (!authoritative) {
    problems.push({
      code: 'not-authoritative',
      message: 'no "authoritative;": dhcpd does not answer a DHCPINFORM from a subnet it is not authoritative for',
      fix: 'add authoritative; inside the subnet declaration (or at the top of the file)',
    });
  }
  if (subnets.length === 0) {
    problems.push({
      code: 'no-subnet',
      message: 'no subnet declaration: dhcpd listens on no interface and answers no one',
      fix: "add: subnet NETWORK netmask MASK { authoritative; } for the clients' subnet",
    });
  }
  const uri = value?.text;
  if (value?.bytes && value.bytes.length > DHCP_OPTION_MAX_BYTES) {
    problems.push({
      code: 'uri-too-long',
      message: `the URI is ${value.bytes.length} bytes; option 224 holds at most ${DHCP_OPTION_MAX_BYTES} and Jitsi cannot join an option split in parts`,
      fix: 'shorten the URI',
    });
  }
  if (uri !== undefined) {
    try {
      parseTemplate(uri, undefined, { txt: false });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push({ code: 'bad-uri', message: `the URI "${uri}": ${err.message}`, fix: err.hint ?? 'correct the URI' });
    }
  }
  return { uri, problems, subnets };
}
