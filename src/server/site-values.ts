/**
 * What every reader of a site file section shares, so that all of them word their errors alike: an
 * error placed at a section's key (the site's errors are the file's fault: `invalid-file`), a file a
 * key names read, and the site file itself read.
 */
import { readFileSync } from 'node:fs';
import { readIniFile, where, type Place } from '../config/config-file.js';
import { setting, UsageError, type UsageErrorCode } from '../util/errors.js';
import { readUsers, type UserTable } from './users.js';

/** Where a key of one section sits: `at('tls-cert')`. */
export type KeyPlace = (key: string) => Place;

export function siteError(p: Place, message: string, hint: string, code: UsageErrorCode = 'invalid-file'): UsageError {
  return new UsageError(`${where(p)}: ${message}`, hint, code);
}

/** The file a key names (`what` says what it should hold), an unreadable one told at that key. */
export function readBytes(file: string, p: Place, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw siteError(p, `cannot read ${what} ${file}: ${(err as Error).message}`, 'check the path (relative to the site file) and its permissions');
  }
}

/** The site file parsed, and the directory its paths are relative to. */
export function readSiteFile(file: string): { parsed: Record<string, unknown>; dir: string } {
  return readIniFile(file, 'site file', `give the site file with ${setting('config')} (see docs/serve.md)`);
}

/** A users file a key names, its errors told at that key (`hint` when the error brings none). */
export function readUsersAt(file: string, p: Place, hint: string): { readonly file: string; readonly table: UserTable } {
  try {
    return { file, table: readUsers(file) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw siteError(p, err.message, err.hint ?? hint);
  }
}
