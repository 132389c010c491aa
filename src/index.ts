/**
 * The provdisc library: what a program needs to do what the commands do, by name. Everything else in
 * src/ is internal and may change; `package.json` exports this module only. The list is pinned by
 * test/unit/package/public-api.test.ts and documented name by name in docs/library.md.
 */

// errors
export { ProvdiscError, UsageError, NetworkError, ProtocolError } from './util/errors.js';
export type { ProvdiscErrorOptions, UsageErrorCode, NetworkErrorCode, ProtocolErrorCode, Problem, WarningSink } from './util/errors.js';

// the template model
export { parseTemplate, formatTemplate, toTxt, fromTxt, serviceTypeFor, defaultPortFor, checkInstanceName, JITSI_INSTANCE_NAME } from './template/template.js';
export type { ProvisioningTemplate, TemplateParam, Scheme, ResolvedTxt } from './template/template.js';
export { checkHostName, checkHostAddress } from './template/host.js';

// Bonjour: advertise and discover
export { advertise, Advertisement, NameConflictError } from './bonjour/advertise.js';
export type { AdvertiseOptions, AdvertiseEvent, AdvertisedInterface } from './bonjour/advertise.js';
export { discover } from './bonjour/discover.js';
export type { DiscoverOptions, DiscoveredService } from './bonjour/discover.js';

// every discovery method at once
export { parseVia, DISCOVERY_METHODS } from './via/methods.js';
export type { DiscoveryMethod } from './via/methods.js';
export { advertiseVia, ViaAdvertisement } from './via/advertise-via.js';
export type { AdvertiseViaOptions, ViaAnnounced, ViaEvent } from './via/advertise-via.js';
export { discoverVia, firstTemplates } from './via/discover-via.js';
export type { DiscoverViaOptions, ViaFindings } from './via/discover-via.js';
export type { DhcpDiscovered } from './dhcp/discover.js';
export { viaDisagreements } from './via/disagreement.js';
export type { ViaDisagreements } from './via/disagreement.js';

// Avahi's files
export { renderServiceFile, checkServiceFile } from './avahi/service-file.js';
export type { ServiceFileSpec, ServiceCheck } from './avahi/service-file.js';
export { hostsLine } from './avahi/hosts-file.js';
export { srvTarget, addHostsLine, checkHostNames } from './avahi/srv-target.js';
export type { SrvTarget } from './avahi/srv-target.js';

// DHCP servers' files
export { renderDhcpConfig, parseSubnet, DHCP_CONFIG_FORMATS } from './dhcp/server-config.js';
export type { DhcpConfigOptions, DhcpConfigFormat, Ipv4Subnet } from './dhcp/server-config.js';
export { checkIscConfig } from './dhcp/isc-check.js';
export type { IscCheck } from './dhcp/isc-check.js';

// the client: expand and provision
export { expandForClient } from './client/client-request.js';
export type { ClientRequestOptions, ClientRequest, CredentialPrompt } from './client/client-request.js';
export { simulateClient } from './client/simulate.js';
export type { SimulateClientOptions, ClientSimulation } from './client/simulate.js';
export { discoverTemplate } from './client/discovered-template.js';
export type { TemplateDiscovery, FoundTemplate } from './client/discovered-template.js';
export type { ExpansionContext } from './client/expansion.js';
export type { Credentials } from './client/post-form.js';
export type { TlsSettings } from './client/provision.js';
export type { Lint } from './client/answer-lints.js';
export type { DiffEntry } from './client/jitsi-rules.js';
export { ProvisionFailure, clientReactions } from './client/client-verdict.js';
export type { ClientOutcome, ClientReactions, ProvisionFailureCode } from './client/client-verdict.js';

// the provisioning server and its users file
export { loadSite } from './server/site.js';
export type { Site } from './server/site.js';
export type { Profile } from './server/profile-section.js';
export { ProvisioningServer } from './server/server.js';
export type { ServerOptions, RequestRecord, HandshakeFailure } from './server/server.js';
export { buildAnswer, HostileFieldError, OversizeRequestError } from './server/answer.js';
export type { Answer, Form } from './server/answer.js';
export { checkSite } from './server/site-lints.js';
export type { SiteCheck, ProfileLints } from './server/site-lints.js';
export { readUsers, setUserPassword } from './server/users.js';
export type { UserTable } from './server/users.js';

// the inventory: who posted, who only looked
export { openInventory, DEFAULT_INVENTORY_DAYS } from './inventory/inventory.js';
export type {
  Inventory,
  InventoryOptions,
  InventoryBackend,
  InventoryHealth,
  InventorySummary,
  DeviceRow,
  DeviceQuery,
  DeviceSort,
  DeviceFilter,
  DeviceCounts,
  DeviceLengths,
} from './inventory/inventory.js';
export type { VisitRecord, LookRecord } from './inventory/records.js';
export { compareBuilds } from './inventory/build-filter.js';
export { lookOf } from './inventory/looks.js';
export { tallyDevices } from './inventory/tally.js';
export type { DeviceTally } from './inventory/tally.js';
export { loadSiteInventory } from './server/inventory-section.js';
export type { SiteInventory } from './server/inventory-section.js';
