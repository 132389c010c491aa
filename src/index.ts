/** The provdisc library: everything the CLI does, as typed functions. */
export { UsageError, type WarningSink } from './errors.js';
export * from './template.js';
export * from './txt.js';
export {
  advertise,
  planAdvertisement,
  localHostName,
  Advertisement,
  NameConflictError,
  type AdvertiseOptions,
  type AdvertiseEvent,
  type AdvertisedInterface,
} from './advertise.js';
export { discover, browse, disagreements, DEFAULT_TIMEOUT_MS, type DiscoverOptions, type DiscoveredService } from './discover.js';
export { listInterfaces, selectInterfaces, type NetInterface, type InterfaceAddress } from './network-interfaces.js';
export type { ServiceDefinition } from './mdns/service-records.js';
export type { TransportStats } from './mdns/transport.js';
export * from './avahi-service.js';
export * from './avahi-hosts.js';
export * from './atomic-write.js';
export * from './config.js';
export * from './placeholders.js';
export * from './properties.js';
export * from './provision.js';
export * from './client-environment.js';
export * from './uuid-state.js';
