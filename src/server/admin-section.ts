/**
 * The `[admin]` section of the site file: where the status page listens and who may log in to it.
 * The admins have a users file of their own (written by `provdisc passwd`), never the clients' one:
 * a client's password must not open the fleet's inventory. Beyond loopback the page is served over
 * TLS with the site's own certificate pair, and refused without one.
 */
import path from 'node:path';
import { asString, type Place } from '../config/config-file.js';
import { isLoopback, parseListen, type Listen } from './listen.js';
import { readUsersAt, siteError } from './site-values.js';
import type { UserTable } from './users.js';

const ADMIN_KEYS = ['listen', 'users'] as const;
const ADMIN_DEFAULT_LISTEN: Listen = { host: '127.0.0.1', port: 8444 };

export interface AdminSettings {
  readonly listen: Listen;
  readonly users: { readonly file: string; readonly table: UserTable };
  /** The site's pair, used when `listen` is beyond loopback; undefined: plain http on loopback. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | undefined;
}

export function readAdmin(
  section: Record<string, unknown>,
  { file, dir, tls, clientUsers }: { file: string; dir: string; tls: { cert: Buffer; key: Buffer } | undefined; clientUsers: string | undefined },
): AdminSettings {
  const at = (key: string): Place => ({ file, section: 'admin', key });
  for (const key of Object.keys(section)) {
    if (!(ADMIN_KEYS as readonly string[]).includes(key)) throw siteError(at(key), 'is not an [admin] setting', `use one of: ${ADMIN_KEYS.join(', ')}`);
  }
  const listen = section.listen === undefined ? ADMIN_DEFAULT_LISTEN : parseListen(asString(section.listen, at('listen')), at('listen'), '127.0.0.1:8444');
  const beyondLoopback = !isLoopback(listen.host);
  if (beyondLoopback && !tls) {
    throw siteError(
      at('listen'),
      `${listen.host} is reachable beyond this machine, and the status page then needs TLS, but [serve] has no tls-cert and tls-key`,
      'listen on 127.0.0.1:8444 (and reach it with ssh -L 8444:127.0.0.1:8444), or give [serve] tls-cert and tls-key',
    );
  }
  if (section.users === undefined)
    throw siteError(at('users'), 'is missing', 'give the admins their own file: provdisc passwd NAME --users admins, then users = admins');
  const usersFile = path.resolve(dir, asString(section.users, at('users')));
  if (usersFile === clientUsers)
    throw siteError(at('users'), `is the clients' users file ${usersFile}`, 'give the admins a file of their own (provdisc passwd NAME --users admins)');
  return { listen, users: readUsersAt(usersFile, at('users'), 'write it with provdisc passwd NAME --users FILE'), tls: beyondLoopback ? tls : undefined };
}
