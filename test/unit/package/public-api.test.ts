/**
 * The package's public API, `src/index.ts`, name by name: a name comes or goes only when this list
 * changes with it, and docs/library.md documents each.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const INDEX = new URL('../../../src/index.ts', import.meta.url);
const LIBRARY_DOC = readFileSync(new URL('../../../docs/library.md', import.meta.url), 'utf8');

const VALUES = [
  'Advertisement',
  'DEFAULT_INVENTORY_DAYS',
  'DHCP_CONFIG_FORMATS',
  'DISCOVERY_METHODS',
  'HostileFieldError',
  'JITSI_INSTANCE_NAME',
  'NameConflictError',
  'NetworkError',
  'OversizeRequestError',
  'ProtocolError',
  'ProvdiscError',
  'ProvisionFailure',
  'ProvisioningServer',
  'UsageError',
  'ViaAdvertisement',
  'addHostsLine',
  'advertise',
  'advertiseVia',
  'buildAnswer',
  'checkHostAddress',
  'checkHostName',
  'checkHostNames',
  'checkInstanceName',
  'checkIscConfig',
  'checkServiceFile',
  'checkSite',
  'clientReactions',
  'compareBuilds',
  'defaultPortFor',
  'discover',
  'discoverTemplate',
  'discoverVia',
  'expandForClient',
  'firstTemplates',
  'formatTemplate',
  'fromTxt',
  'hostsLine',
  'loadSite',
  'loadSiteInventory',
  'lookOf',
  'openInventory',
  'parseSubnet',
  'parseTemplate',
  'parseVia',
  'readUsers',
  'renderDhcpConfig',
  'renderServiceFile',
  'serviceTypeFor',
  'setUserPassword',
  'simulateClient',
  'srvTarget',
  'tallyDevices',
  'toTxt',
  'viaDisagreements',
];

const TYPES = [
  'AdvertiseEvent',
  'AdvertiseOptions',
  'AdvertiseViaOptions',
  'AdvertisedInterface',
  'Answer',
  'ClientOutcome',
  'ClientReactions',
  'ClientRequest',
  'ClientRequestOptions',
  'ClientSimulation',
  'CredentialPrompt',
  'Credentials',
  'DeviceCounts',
  'DeviceFilter',
  'DeviceLengths',
  'DeviceQuery',
  'DeviceRow',
  'DeviceSort',
  'DeviceTally',
  'DhcpConfigFormat',
  'DhcpConfigOptions',
  'DhcpDiscovered',
  'DiffEntry',
  'DiscoverOptions',
  'DiscoverViaOptions',
  'DiscoveredService',
  'DiscoveryMethod',
  'ExpansionContext',
  'Form',
  'FoundTemplate',
  'HandshakeFailure',
  'Inventory',
  'InventoryBackend',
  'InventoryHealth',
  'InventoryOptions',
  'InventorySummary',
  'Ipv4Subnet',
  'IscCheck',
  'Lint',
  'LookRecord',
  'NetworkErrorCode',
  'Problem',
  'Profile',
  'ProfileLints',
  'ProtocolErrorCode',
  'ProvdiscErrorOptions',
  'ProvisionFailureCode',
  'ProvisioningTemplate',
  'RequestRecord',
  'ResolvedTxt',
  'Scheme',
  'ServerOptions',
  'ServiceCheck',
  'ServiceFileSpec',
  'SimulateClientOptions',
  'Site',
  'SiteCheck',
  'SiteInventory',
  'SrvTarget',
  'TemplateDiscovery',
  'TemplateParam',
  'TlsSettings',
  'UsageErrorCode',
  'UserTable',
  'ViaAnnounced',
  'ViaDisagreements',
  'ViaEvent',
  'ViaFindings',
  'VisitRecord',
  'WarningSink',
];

/** The names src/index.ts exports, read from its export declarations (each must name what it exports). */
function declaredExports(): { values: string[]; types: string[]; stars: number } {
  const source = ts.createSourceFile('index.ts', readFileSync(INDEX, 'utf8'), ts.ScriptTarget.ES2022);
  const values: string[] = [];
  const types: string[] = [];
  let stars = 0;
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement)) continue;
    if (!statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
      stars++;
      continue;
    }
    for (const e of statement.exportClause.elements) (statement.isTypeOnly || e.isTypeOnly ? types : values).push(e.name.text);
  }
  return { values: values.sort(), types: types.sort(), stars };
}

describe('the public API', () => {
  it('names each export: no `export *`, and the lists below exactly', () => {
    const { values, types, stars } = declaredExports();
    expect(stars).toBe(0);
    expect(values).toEqual(VALUES);
    expect(types).toEqual(TYPES);
  });

  it('is at run time what it declares', async () => {
    expect(Object.keys(await import('../../../src/index.js')).sort()).toEqual(VALUES);
  });

  it('has every name documented in docs/library.md', () => {
    const documented = (name: string) => new RegExp(`\`${name}[\`(<[]`).test(LIBRARY_DOC);
    expect([...VALUES, ...TYPES].filter((name) => !documented(name))).toEqual([]);
  });
});
