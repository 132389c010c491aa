/** The provdisc library: everything the CLI does, as typed functions. */
export { UsageError, type WarningSink } from './util/errors.js';
export * from './template/template.js';
export * from './template/txt.js';
export * from './template/host.js';
export {
  advertise,
  planAdvertisement,
  localHostName,
  Advertisement,
  NameConflictError,
  describeRecords,
  type AdvertiseOptions,
  type AdvertiseEvent,
  type AdvertisedInterface,
} from './bonjour/advertise.js';
export { discover, browse, disagreements, DEFAULT_TIMEOUT_MS, type DiscoverOptions, type DiscoveredService } from './bonjour/discover.js';
export { listInterfaces, selectInterfaces, type NetInterface, type InterfaceAddress } from './util/network-interfaces.js';
export type { ServiceDefinition } from './bonjour/service-records.js';
export type { TransportStats } from './bonjour/transport.js';
export type { AnswerKind } from './bonjour/answer.js';
export * from './avahi/service-file.js';
export * from './avahi/hosts-file.js';
export { isOwnAddress, srvTarget, addHostsLine, checkHostNames, type SrvTarget } from './avahi/srv-target.js';
export * from './util/atomic-write.js';
export * from './config/config-file.js';
export * from './client/placeholders.js';
export * from './client/post-form.js';
export * from './client/expansion.js';
export * from './client/properties-file.js';
export * from './client/jitsi-rules.js';
export * from './client/answer-lints.js';
export * from './client/jitsi-catalog.js';
export { lintWithCatalog, lintUnknownKeys, lintAccounts } from './client/config-lints.js';
export * from './client/client-verdict.js';
export { checkSite, type SiteCheck, type ProfileLints } from './server/site-lints.js';
export * from './util/findings.js';
export * from './client/encrypted-password.js';
export * from './client/provision.js';
export * from './client/discovered-template.js';
export * from './client/client-request.js';
export * from './client/simulate.js';
export * from './client/environment.js';
export * from './client/uuid-state.js';
export { parseVia, DISCOVERY_METHODS, type DiscoveryMethod } from './via/methods.js';
export { advertiseVia, ViaAdvertisement, type AdvertiseViaOptions, type ViaAnnounced, type ViaEvent } from './via/advertise-via.js';
export { DhcpResponder, asksForUri, type DhcpInform, type DhcpStats, type DhcpResponderOptions } from './dhcp/responder.js';
export { buildAck } from './dhcp/ack.js';
export * from './dhcp/codec.js';
export { uriOptionBytes, DHCP_OPTION_MAX_BYTES } from './dhcp/uri-option.js';
export { discoverDhcp, buildInform, type DhcpDiscoverOptions, type DhcpDiscovered } from './dhcp/discover.js';
export { discoverVia, firstTemplates, type DiscoverViaOptions, type ViaFindings } from './via/discover-via.js';
export { viaDisagreements, methodDisagreement, type ViaDisagreements } from './via/disagreement.js';
export * from './dhcp/server-config.js';
export { checkIscConfig, type IscCheck } from './dhcp/isc-check.js';
export { loadSite, type Site, type Profile, type FieldMatch, type Listen } from './server/site.js';
export { buildAnswer, escapeProperty, profileMatches, checkFieldLengths, HostileFieldError, OversizeRequestError, ANSWER_CONTENT_TYPE, FIELD_LIMIT, ANSWER_LIMIT_BYTES, type Answer, type Form } from './server/answer.js';
export { checkCertificate, type CertificateReport, type CertificateFinding } from './server/certificate.js';
export { ProvisioningServer, type RequestRecord, type HandshakeFailure, type ServerOptions, BODY_LIMIT_BYTES, HEALTH_PATH } from './server/server.js';
export { LoginLimiter, MAX_FAILURES, WINDOW_MS } from './server/login-limiter.js';
export { hashPassword, verifyPassword, readUsers, setUserPassword, type UserTable } from './server/users.js';
