/**
 * Just enough of Java to find the configuration keys a Jitsi source file reads: tokens (comments
 * dropped, string literals decoded), its package, imports and superclass, its `String NAME = …;`
 * declarations (fields and locals) and the calls of given method names with their arguments. Values
 * are resolved only when they are made of string literals, `+` and names of such declarations (in
 * the file, or `Class.NAME` of another file): that is how the client spells its keys, and anything
 * else (a class name at run time, a loop variable) is not a fixed key.
 */

export type Token =
  | { readonly kind: 'string'; readonly value: string; readonly line: number }
  | { readonly kind: 'word'; readonly value: string; readonly line: number }
  | { readonly kind: 'punct'; readonly value: string; readonly line: number };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', s: ' ', '"': '"', "'": "'", '\\': '\\' };

/** Reads a string or char literal starting at `start` (the quote); returns its value and where it ends. */
function readQuoted(src: string, start: number): { value: string; end: number } {
  const quote = src[start];
  let value = '';
  let i = start + 1;
  while (i < src.length && src[i] !== quote && src[i] !== '\n') {
    if (src[i] === '\\') {
      const next = src[i + 1] ?? '';
      if (next === 'u') {
        let j = i + 1;
        while (src[j] === 'u') j++;
        value += String.fromCharCode(parseInt(src.slice(j, j + 4), 16));
        i = j + 4;
      } else if (/[0-7]/.test(next)) {
        const octal = /^[0-7]{1,3}/.exec(src.slice(i + 1))?.[0] ?? '0';
        value += String.fromCharCode(parseInt(octal, 8));
        i += 1 + octal.length;
      } else {
        value += ESCAPES[next] ?? next;
        i += 2;
      }
    } else {
      value += src[i];
      i++;
    }
  }
  return { value, end: i + 1 };
}

/** Java source as tokens; comments and char literals dropped, identifiers with dots kept apart. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      line += (src.slice(i, stop).match(/\n/g) ?? []).length;
      i = stop;
    } else if (src.startsWith('"""', i)) {
      // a text block is never a key: skip it whole
      const end = src.indexOf('"""', i + 3);
      const stop = end < 0 ? src.length : end + 3;
      line += (src.slice(i, stop).match(/\n/g) ?? []).length;
      i = stop;
    } else if (c === '"' || c === "'") {
      const { value, end } = readQuoted(src, i);
      if (c === '"') tokens.push({ kind: 'string', value, line });
      i = end;
    } else if (/[A-Za-z_$0-9]/.test(c)) {
      const word = /^[A-Za-z_$0-9]+/.exec(src.slice(i, i + 200))?.[0] ?? c;
      tokens.push({ kind: 'word', value: word, line });
      i += word.length;
    } else {
      tokens.push({ kind: 'punct', value: c, line });
      i++;
    }
  }
  return tokens;
}

/** A `String NAME = …;` declaration: the tokens of its value. */
export interface Declaration {
  readonly name: string;
  readonly value: readonly Token[];
  readonly line: number;
}

/** A call `method(arg, …)`: each argument's tokens. */
export interface Call {
  readonly method: string;
  /** The index of the method name in the file's tokens. */
  readonly at: number;
  readonly args: readonly (readonly Token[])[];
  readonly line: number;
}

export interface JavaFile {
  readonly path: string;
  readonly packageName: string;
  /** The file's class name (its base name), as other files name it. */
  readonly className: string;
  readonly superclass: string | undefined;
  /** The superclass and the interfaces, where inherited constants are found. */
  readonly supertypes: readonly string[];
  /** Simple name → fully qualified name, from the single-type imports. */
  readonly imports: ReadonlyMap<string, string>;
  /** Classes whose static members are imported (`import static a.B.NAME;` or `a.B.*`), by member name or `*`. */
  readonly staticImports: ReadonlyMap<string, readonly string[]>;
  readonly declarations: ReadonlyMap<string, Declaration>;
  readonly tokens: readonly Token[];
}

const is = (t: Token | undefined, value: string): boolean => t !== undefined && t.kind !== 'string' && t.value === value;

/** A dotted name starting at `i` (`a.b.C`), and the index after it. */
function dottedName(tokens: readonly Token[], i: number): { name: string; next: number } {
  let name = tokens[i]?.value ?? '';
  let j = i + 1;
  while (is(tokens[j], '.') && tokens[j + 1]?.kind === 'word') {
    name += `.${tokens[j + 1]?.value}`;
    j += 2;
  }
  return { name, next: j };
}

/** Tokens from `i` up to the first `stop` punctuation at bracket depth 0 (exclusive), and its index. */
function until(tokens: readonly Token[], i: number, stops: readonly string[]): { part: Token[]; end: number } {
  let depth = 0;
  let j = i;
  for (; j < tokens.length; j++) {
    const t = tokens[j];
    if (t === undefined) break;
    if (t.kind === 'punct') {
      if (depth === 0 && stops.includes(t.value)) break;
      if ('([{'.includes(t.value)) depth++;
      else if (')]}'.includes(t.value)) {
        if (depth === 0) break;
        depth--;
      }
    }
  }
  return { part: tokens.slice(i, j), end: j };
}

export function parseJavaFile(path: string, src: string): JavaFile {
  const tokens = tokenize(src);
  let packageName = '';
  let superclass: string | undefined;
  const supertypes: string[] = [];
  const imports = new Map<string, string>();
  const staticImports = new Map<string, string[]>();
  const declarations = new Map<string, Declaration>();
  const className = path.replace(/^.*\//, '').replace(/\.java$/, '');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'word') continue;
    if (t.value === 'package' && packageName === '') {
      packageName = dottedName(tokens, i + 1).name;
    } else if (t.value === 'import') {
      const isStatic = is(tokens[i + 1], 'static');
      const { name, next } = dottedName(tokens, i + (isStatic ? 2 : 1));
      const star = is(tokens[next], '.') && is(tokens[next + 1], '*');
      const member = star ? '*' : name.slice(name.lastIndexOf('.') + 1);
      const owner = star ? name : name.slice(0, name.lastIndexOf('.'));
      if (isStatic) staticImports.set(member, [...(staticImports.get(member) ?? []), owner]);
      else if (!star) imports.set(member, name);
    } else if ((t.value === 'class' || t.value === 'interface') && tokens[i + 1]?.value === className && supertypes.length === 0) {
      // `class X extends Y implements A, B {` or `interface X extends A, B {`
      let j = i + 2;
      let clause = '';
      while (j < tokens.length && !is(tokens[j], '{')) {
        const w = tokens[j];
        if (w?.value === 'extends' || w?.value === 'implements') clause = w.value;
        else if (w?.kind === 'word' && clause !== '') {
          const { name, next } = dottedName(tokens, j);
          supertypes.push(name);
          if (t.value === 'class' && clause === 'extends') superclass = name;
          j = next - 1;
        } else if (is(w, '<')) {
          // type arguments: skip to the matching `>`
          for (let d = 0; j < tokens.length; j++) {
            if (is(tokens[j], '<')) d++;
            else if (is(tokens[j], '>') && --d === 0) break;
          }
        }
        j++;
      }
    } else if (t.value === 'String' && tokens[i + 1]?.kind === 'word' && is(tokens[i + 2], '=')) {
      const name = tokens[i + 1]?.value ?? '';
      const { part } = until(tokens, i + 3, [';', ',']);
      if (!declarations.has(name)) declarations.set(name, { name, value: part, line: t.line });
    }
  }
  return { path, packageName, className, superclass, supertypes, imports, staticImports, declarations, tokens };
}

/** Every call of one of `methods` in the file, with its arguments' tokens. */
export function callsIn(file: JavaFile, methods: ReadonlySet<string>): Call[] {
  const calls: Call[] = [];
  const { tokens } = file;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'word' || !methods.has(t.value) || !is(tokens[i + 1], '(')) continue;
    // a declaration (`boolean getBoolean(String key, …)`) is not a call
    const before = tokens[i - 1];
    if (before?.kind === 'word' && !['return', 'new', 'throw'].includes(before.value)) continue;
    const args: Token[][] = [];
    let j = i + 2;
    while (j < tokens.length && !is(tokens[j], ')')) {
      const { part, end } = until(tokens, j, [',']);
      args.push(part);
      j = is(tokens[end], ',') ? end + 1 : end;
    }
    calls.push({ method: t.value, at: i, args, line: t.line });
  }
  return calls;
}

/**
 * The method a token is in, when one of its parameters is `String param`: its name and that
 * parameter's place (how `isButtonEnabled(String prop)` passes its argument on to getBoolean).
 */
export function enclosingParameter(file: JavaFile, at: number, param: string): { method: string; index: number } | undefined {
  const { tokens } = file;
  let depth = 0;
  for (let i = at; i > 0; i--) {
    const t = tokens[i];
    if (is(t, '}')) depth++;
    else if (is(t, '{')) {
      if (depth > 0) {
        depth--;
        continue;
      }
      // the block opening: `name ( params ) [throws X, Y] {`
      let j = i - 1;
      while (j > 0 && !is(tokens[j], ')')) {
        if (tokens[j]?.kind !== 'word' && !is(tokens[j], ',') && !is(tokens[j], '.')) return undefined;
        j--;
      }
      let open = j;
      for (let d = 0; open > 0; open--) {
        if (is(tokens[open], ')')) d++;
        else if (is(tokens[open], '(') && --d === 0) break;
      }
      const name = tokens[open - 1];
      if (name?.kind !== 'word') return undefined;
      const params = until(tokens, open + 1, []).part;
      let index = 0;
      for (let k = 0; k < params.length; k++) {
        if (is(params[k], ',')) index++;
        else if (params[k]?.value === 'String' && params[k + 1]?.value === param) return { method: name.value, index };
      }
      return undefined;
    }
  }
  return undefined;
}

/** Where the `String` declarations of every file are found by fully qualified class name. */
export class JavaIndex {
  private readonly byName = new Map<string, JavaFile>();
  private readonly bySimpleName = new Map<string, JavaFile[]>();

  constructor(readonly files: readonly JavaFile[]) {
    for (const f of files) {
      this.byName.set(f.packageName ? `${f.packageName}.${f.className}` : f.className, f);
      this.bySimpleName.set(f.className, [...(this.bySimpleName.get(f.className) ?? []), f]);
    }
  }

  /** The file a class name means in `from`: its import, its own package, else the only class of that name. */
  classFile(from: JavaFile, name: string): JavaFile | undefined {
    if (name.includes('.')) return this.byName.get(name) ?? this.classFile(from, name.slice(name.lastIndexOf('.') + 1));
    const imported = from.imports.get(name);
    if (imported !== undefined) return this.byName.get(imported);
    const local = this.byName.get(from.packageName ? `${from.packageName}.${name}` : name);
    if (local) return local;
    const all = this.bySimpleName.get(name) ?? [];
    return all.length === 1 ? all[0] : undefined;
  }

  /** The value of an expression of string literals, `+` and declared names; undefined when anything else is in it. */
  resolve(from: JavaFile, expr: readonly Token[], seen: ReadonlySet<string> = new Set()): string | undefined {
    let value = '';
    let i = 0;
    let expectOperand = true;
    while (i < expr.length) {
      const t = expr[i];
      if (t === undefined) break;
      if (expectOperand) {
        if (t.kind === 'string') {
          value += t.value;
          i++;
        } else if (t.kind === 'word') {
          const { name, next } = dottedName(expr, i);
          if (is(expr[next], '(')) return undefined;
          const part = this.constant(from, name, seen);
          if (part === undefined) return undefined;
          value += part;
          i = next;
        } else if (is(t, '(')) {
          const { part, end } = until(expr, i + 1, []);
          const inner = this.resolve(from, part, seen);
          if (inner === undefined) return undefined;
          value += inner;
          i = end + 1;
        } else {
          return undefined;
        }
        expectOperand = false;
      } else {
        if (!is(t, '+')) return undefined;
        expectOperand = true;
        i++;
      }
    }
    return expectOperand ? undefined : value;
  }

  /**
   * The fixed start of a `+` expression whose end is not fixed (`PREFIX + name + ".X"` gives PREFIX):
   * the client reads a family of keys there. Undefined when even the first operand is not fixed.
   */
  resolveStart(from: JavaFile, expr: readonly Token[]): string | undefined {
    let value = '';
    let i = 0;
    while (i < expr.length) {
      const { part, end } = until(expr, i, ['+']);
      const operand = this.resolve(from, part);
      if (operand === undefined) return value === '' ? undefined : value;
      value += operand;
      i = end + 1;
    }
    return value;
  }

  /** A declared name (`NAME`, `Class.NAME`, `a.b.Class.NAME`): in the class, its supertypes, or a static import. */
  private constant(from: JavaFile, name: string, seen: ReadonlySet<string>): string | undefined {
    const dot = name.lastIndexOf('.');
    const field = name.slice(dot + 1);
    const owners =
      dot >= 0
        ? [this.classFile(from, name.slice(0, dot))]
        : [from, ...[...(from.staticImports.get(field) ?? []), ...(from.staticImports.get('*') ?? [])].map((c) => this.classFile(from, c))];
    for (const owner of owners) {
      const value = owner === undefined ? undefined : this.inherited(owner, field, seen, 0);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  private inherited(file: JavaFile, field: string, seen: ReadonlySet<string>, depth: number): string | undefined {
    const key = `${file.path}#${field}`;
    const decl = file.declarations.get(field);
    if (decl !== undefined) return seen.has(key) ? undefined : this.resolve(file, decl.value, new Set([...seen, key]));
    if (depth >= 10) return undefined;
    for (const type of file.supertypes) {
      const owner = this.classFile(file, type);
      const value = owner === undefined ? undefined : this.inherited(owner, field, seen, depth + 1);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Whether `file`'s class extends `base` (a simple class name), directly or not. */
  extendsClass(file: JavaFile, base: string): boolean {
    for (let f: JavaFile | undefined = file, depth = 0; f?.superclass !== undefined && depth < 20; depth++) {
      const simple = f.superclass.slice(f.superclass.lastIndexOf('.') + 1);
      if (simple === base) return true;
      f = this.classFile(f, f.superclass);
    }
    return false;
  }
}
