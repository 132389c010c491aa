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
