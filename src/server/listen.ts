/** The `listen` key of the site file's sections: where a server listens. */
import net from 'node:net';
import { UsageError } from '../util/errors.js';
import { where, type Place } from '../config/config-file.js';
import { parsePort } from '../util/numbers.js';

export interface Listen {
  readonly host: string;
  readonly port: number;
}

/** `address:port`, `[v6]:port` or a port alone (every address); port 0: any free port (tests). */
export function parseListen(text: string, p: Place, example = '0.0.0.0:8443'): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const host = m?.[1] ?? (m?.[2] || '0.0.0.0');
  if (!m || net.isIP(host) === 0) {
    throw new UsageError(`${where(p)}: "${text}" is not address:port`, `write listen = ${example} (or [::]:8443, or 192.168.0.254:8443)`, 'invalid-file');
  }
  return { host, port: m[3] === '0' ? 0 : parsePort(m[3] ?? '', where(p)) };
}

/** Only this machine can reach it: 127.0.0.0/8 or ::1. */
export function isLoopback(host: string): boolean {
  return host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

/** `scheme://host:port`, an IPv6 address in brackets. */
export function listenUrl(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A listen() failure in words: the address taken, not this machine's, or a port not allowed; `key` names the setting. */
export function explainListenError(err: NodeJS.ErrnoException, { host, port }: Listen, key: string): unknown {
  if (err.code === 'EADDRINUSE') return new UsageError(`${host}:${port} is already in use`, `stop the other server, or change ${key}`);
  if (err.code === 'EADDRNOTAVAIL') return new UsageError(`${host} is not an address of this machine`, `change ${key} (0.0.0.0 listens on every address)`);
  if (err.code === 'EACCES') return new UsageError(`not allowed to listen on port ${port}`, 'use a port above 1023, or run with the right to bind it');
  return err;
}
