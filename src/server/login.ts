/**
 * Checks one login the way the site says (`login` in [serve]): the users file (scrypt), the hash
 * column of the accounts file (scrypt), or a bind to the directory as the user. A login with the
 * directory also finds the user's account; the others leave that to the accounts lookup.
 * Throws DirectoryUnavailableError when the directory cannot be asked.
 */
import type { Form } from './answer.js';
import type { LoginResult } from './directory.js';
import type { Site } from './site.js';
import { checkUserPassword } from './users.js';

export type { LoginResult };

export async function checkLogin(site: Site, form: Form): Promise<LoginResult> {
  const username = form.get(site.usernameField ?? '') ?? '';
  const password = form.get(site.passwordField ?? '') ?? '';
  const source = site.accounts?.source;
  switch (site.login) {
    case 'users':
      return { ok: await checkUserPassword(site.users?.table, username, password) };
    case 'accounts': {
      const table = source?.kind === 'csv' ? source.table : undefined;
      const ok = await checkUserPassword(table?.hashes, username, password);
      return ok ? { ok, account: table?.rows.get(username) } : { ok };
    }
    case 'ldap':
      if (source?.kind !== 'directory') throw new Error('login = ldap without a directory (the site loader refuses it)');
      return source.directory.authenticate(form, password);
    default:
      return { ok: true };
  }
}
