/**
 * `login` and `users` of [serve]: how clients log in, and for `login = users` the users file. A users
 * file alone means login = users, as before `login` existed.
 */
import path from 'node:path';
import { asString } from '../config/config-file.js';
import type { LoginMethod } from './accounts.js';
import type { Site } from './site.js';
import { readUsersAt, siteError, type KeyPlace } from './site-values.js';

const LOGINS: readonly LoginMethod[] = ['users', 'ldap', 'accounts'];

/**
 * `credentials`: the template makes the client post a user name and password; `accounts`: the site
 * has an [accounts] section, which every login but `users` checks against.
 */
export function readLogin(
  serve: Record<string, unknown>,
  { dir, at, credentials, accounts }: { dir: string; at: KeyPlace; credentials: boolean; accounts: boolean },
): Pick<Site, 'login' | 'users'> {
  const login = serve.login === undefined ? (serve.users === undefined ? undefined : 'users') : (asString(serve.login, at('login')) as LoginMethod);
  if (login === undefined) return { login, users: undefined };
  if (!LOGINS.includes(login)) throw siteError(at('login'), `"${login}" is not a way to log in`, `use one of: ${LOGINS.join(', ')}`);
  const key = serve.users === undefined ? 'login' : 'users';
  if (!credentials)
    throw siteError(
      at(key),
      'is set but the template has no ${username} and ${password} fields',
      'add username=${username}&password=${password} to the template (Jitsi then asks for them)',
    );
  if (login !== 'users') {
    if (serve.users !== undefined) throw siteError(at('users'), `is set, but login = ${login} does not read it`, 'drop users, or set login = users');
    if (!accounts) {
      throw siteError(
        at('login'),
        `is ${login}, but the site has no [accounts] section`,
        login === 'ldap' ? 'add [accounts] with source = ldap://HOST and base = …' : 'add [accounts] with source = accounts.csv and a password column',
      );
    }
    return { login, users: undefined };
  }
  if (serve.users === undefined)
    throw siteError(at('login'), 'is users, but there is no users file', 'add users = users (written by provdisc passwd NAME --users users)');
  const usersFile = path.resolve(dir, asString(serve.users, at('users')));
  return { login, users: readUsersAt(usersFile, at('users'), 'write it with provdisc passwd') };
}
