/**
 * Accounts from a CSV file, the table an admin keeps in a spreadsheet: a header row naming the
 * columns, one row per account. Read with csv-parse (RFC 4180 quoting, a byte-order mark, CRLF or
 * LF), all of it when the site loads, so a broken file never replaces a working one; every refusal
 * names the file and the line.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import { FIELD_LIMIT } from './answer.js';
import type { Account } from './accounts.js';
import { hashProblem } from './users.js';

export interface CsvAccounts {
  readonly file: string;
  /** The header, in file order. */
  readonly columns: readonly string[];
  /** key column value → the row, every column but the password column. */
  readonly rows: ReadonlyMap<string, Account>;
  /** key → the `provdisc passwd` hash of the password column, when there is one. */
  readonly hashes: ReadonlyMap<string, string>;
}

export interface CsvOptions {
  /** The column whose value the posted key field is looked up in. */
  readonly keyColumn: string;
  /** A column of password hashes (login = accounts): checked, and kept out of the rows. */
  readonly passwordColumn: string | undefined;
}

interface Row {
  readonly line: number;
  readonly cells: readonly string[];
}

const LINE_BREAK = /\r\n?|\n/g;

/** The file's records with the line each begins on; blank lines dropped. */
function records(text: string, file: string): Row[] {
  let parsed: { record: string[]; raw: string }[];
  try {
    parsed = parse(text, { bom: true, raw: true, relax_column_count: true }) as unknown as typeof parsed;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new UsageError(
      `${file}${line === undefined ? '' : ` line ${line}`}: ${(err as Error).message}`,
      'save it as CSV (RFC 4180: fields holding a comma, a quote or a line break in double quotes, a quote inside written twice)',
    );
  }
  const rows: Row[] = [];
  let line = 1;
  for (const { record, raw } of parsed) {
    if (!(record.length === 1 && record[0] === '' && raw.replace(LINE_BREAK, '') === '')) rows.push({ line, cells: record });
    // each record's raw text holds its own line breaks and the one that ends it
    line += raw.match(LINE_BREAK)?.length ?? 0;
  }
  return rows;
}

function readHeader(header: Row | undefined, file: string, { keyColumn, passwordColumn }: CsvOptions): string[] {
  if (!header) throw new UsageError(`${file} is empty`, `give it a header row naming the columns, ${keyColumn} first, then one row per account`);
  const columns = [...header.cells];
  columns.forEach((name, i) => {
    if (name.trim() === '')
      throw new UsageError(`${file} line ${header.line}: column ${i + 1} of the header has no name`, 'name every column in the first row');
    if (columns.indexOf(name) !== i) throw new UsageError(`${file} line ${header.line}: the column "${name}" is named twice`, 'give every column its own name');
  });
  for (const [needed, why] of [
    [keyColumn, 'the key (the posted field accounts are looked up by)'],
    [passwordColumn, 'the password hashes (login = accounts)'],
  ] as const) {
    if (needed !== undefined && !columns.includes(needed)) {
      throw new UsageError(
        `${file} line ${header.line}: there is no column "${needed}" for ${why}`,
        `add a column named ${needed} (the header has: ${columns.join(', ')})`,
      );
    }
  }
  return columns;
}

export function parseAccountsCsv(text: string, file: string, options: CsvOptions): CsvAccounts {
  const [header, ...body] = records(text, file);
  const columns = readHeader(header, file, options);
  const rows = new Map<string, Account>();
  const hashes = new Map<string, string>();
  const firstLine = new Map<string, number>();
  for (const { line, cells } of body) {
    const at = `${file} line ${line}`;
    if (cells.length !== columns.length) {
      throw new UsageError(
        `${at} has ${cells.length} field(s), the header ${columns.length}`,
        'give every row one value per column (an empty one as ,,); quote values holding a comma',
      );
    }
    const values = new Map(columns.map((c, i) => [c, cells[i] ?? '']));
    const key = values.get(options.keyColumn) ?? '';
    if (key === '') throw new UsageError(`${at}: the ${options.keyColumn} is empty`, `give every account its ${options.keyColumn}, or remove the row`);
    const before = firstLine.get(key);
    if (before !== undefined)
      throw new UsageError(`${at}: ${options.keyColumn} ${JSON.stringify(key)} is already on line ${before}`, `keep one row per ${options.keyColumn}`);
    firstLine.set(key, line);
    for (const [column, value] of values) {
      if (value.length > FIELD_LIMIT)
        throw new UsageError(`${at}: the ${column} has ${value.length} characters; at most ${FIELD_LIMIT} are sent`, 'shorten it');
    }
    if (options.passwordColumn !== undefined) {
      const hash = values.get(options.passwordColumn) ?? '';
      const problem = hashProblem(hash);
      if (problem)
        throw new UsageError(
          `${at}: the ${options.passwordColumn} of ${JSON.stringify(key)} ${problem}`,
          'put the hash provdisc passwd writes (the part after "name:" in its users file)',
        );
      hashes.set(key, hash);
      values.delete(options.passwordColumn);
    }
    rows.set(key, values);
  }
  return { file, columns, rows, hashes };
}

export function readAccountsCsv(file: string, options: CsvOptions): CsvAccounts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the accounts file ${file}: ${(err as Error).message}`, 'check the path (relative to the site file) and its permissions');
  }
  return parseAccountsCsv(text, file, options);
}
