/**
 * What `advertise` is asked to publish, checked before any socket opens: the service records'
 * contents, and advice for the user through the warning sink.
 */
import os from 'node:os';
import { checkHostAddress, checkHostName } from '../template/host.js';
import { checkInstanceName, defaultPortFor, JITSI_INSTANCE_NAME, parseTemplate, serviceTypeFor, toTxt } from '../template/template.js';
import { setting, UsageError, type WarningSink } from '../util/errors.js';
import { withoutZone } from '../util/network-interfaces.js';
import type { ServiceDefinition } from './service-records.js';

export interface AdvertiseOptions {
  /** The provisioning URI template. */
  readonly template: string;
  /** Instance name; Jitsi only looks for `Provisioning URL`. */
  readonly name?: string | undefined;
  /** SRV target; default `<this machine's hostname>.local`. */
  readonly host?: string | undefined;
  /** SRV port; default the template's port, else 443/80. */
  readonly port?: number | undefined;
  /** Addresses to publish for `host` when it names another machine. */
  readonly addresses?: readonly string[] | undefined;
  /** Interface names; default every usable one. */
  readonly interfaces?: readonly string[] | undefined;
  /**
   * Stop (and settle `finished` with the conflict) when another host answers for the name after the
   * announcement. Default false: provdisc re-asserts its records and keeps advertising.
   */
  readonly exitOnConflict?: boolean | undefined;
  readonly warn?: WarningSink | undefined;
}

/** This machine's mDNS name: the first label of its hostname under `.local`. */
export function localHostName(): string {
  return `${os.hostname().split('.')[0]}.local`;
}

/** Validates everything before any socket opens: the service to publish, and advice for the user. */
export function planAdvertisement(options: AdvertiseOptions): ServiceDefinition {
  const warn = options.warn ?? (() => {});
  const template = parseTemplate(options.template, warn);
  const instance = options.name ?? JITSI_INSTANCE_NAME;
  checkInstanceName(instance);
  if (instance !== JITSI_INSTANCE_NAME) {
    warn(`the instance is named "${instance}": Jitsi clients only look for "${JITSI_INSTANCE_NAME}" and will not find it`);
  }
  const own = localHostName();
  const host = (options.host ?? own).replace(/\.$/, '');
  checkHostName(host, warn);
  // a zone only says which link the admin typed the address for: the address record has none
  const addresses = (options.addresses ?? []).map(withoutZone);
  for (const a of addresses) checkHostAddress(a);
  const isOwnName = host.toLowerCase() === own.toLowerCase();
  if (addresses.length > 0 && isOwnName) {
    throw new UsageError(
      `${setting('address')} only applies when ${setting('host')} names another machine; "${host}" is this machine`,
      `add ${setting('host')} NAME.local for the provisioning server, or drop ${setting('address')}`,
      'invalid-setting',
    );
  }
  if (!isOwnName && addresses.length === 0) {
    warn(
      `no ${setting('address')} for ${host}: provdisc publishes no address for it, so that machine must publish its own (or Jitsi cannot resolve the service)`,
    );
  }
  return {
    instance,
    type: serviceTypeFor(template.scheme),
    host,
    port: options.port ?? template.port ?? defaultPortFor(template.scheme),
    txt: toTxt(template),
    addresses: isOwnName ? 'interface' : addresses.length > 0 ? addresses : 'none',
  };
}
