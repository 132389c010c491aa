/**
 * Avahi static service files (avahi.service(5), /usr/share/avahi/avahi-service.dtd): write the one for
 * the provisioning advertisement, read any one back, and list what would keep a Jitsi client from
 * using it.
 */
import type { Problem } from '../util/errors.js';
import type * as FastXmlParser from 'fast-xml-parser';
import { requireCjs } from '../util/cjs.js';
import { UsageError } from '../util/errors.js';
import { fromTxt, JITSI_INSTANCE_NAME, txtEntries } from '../template/template.js';
import { checkTxtSize } from '../template/txt.js';

/** What `renderServiceFile` writes: one service in a group. */
export interface ServiceFileSpec {
  readonly name: string;
  /** SRV target; left out when the provisioning host is the Avahi host itself. */
  readonly hostName?: string | undefined;
  readonly type: string;
  readonly port: number;
  readonly txt: readonly string[];
}

/** One `<service>` as Avahi reads it: texts exactly as written (Avahi does not trim them). */
export interface AvahiService {
  readonly protocol: string;
  readonly type: string | undefined;
  readonly subtypes: readonly string[];
  readonly domainName: string | undefined;
  readonly hostName: string | undefined;
  /** The `<port>` text; Avahi reads it with atoi(). */
  readonly port: string | undefined;
  /** TXT strings in file order, `value-format` binary records decoded. */
  readonly txt: readonly string[];
}

export interface AvahiServiceGroup {
  readonly name: string | undefined;
  readonly replaceWildcards: boolean;
  readonly services: readonly AvahiService[];
}

export type { Problem } from '../util/errors.js';

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The service file, laid out as the Jitsi provisioning guide's example: `<host-name>` comes before
 * `<type>` there, against the DTD's order, but Avahi's expat parser does not validate and the guide's
 * readers compare with it.
 */
export function renderServiceFile(spec: ServiceFileSpec): string {
  const lines = [
    `<?xml version="1.0" standalone='no'?>`,
    `<!DOCTYPE service-group SYSTEM "avahi-service.dtd">`,
    `<service-group>`,
    `  <name>${escapeText(spec.name)}</name>`,
    `  <service protocol="any">`,
    ...(spec.hostName === undefined ? [] : [`    <host-name>${escapeText(spec.hostName)}</host-name>`]),
    `    <type>${escapeText(spec.type)}</type>`,
    `    <port>${spec.port}</port>`,
    ...spec.txt.map((s) => `    <txt-record>${escapeText(s)}</txt-record>`),
    `  </service>`,
    `</service-group>`,
  ];
  return `${lines.join('\n')}\n`;
}

const ATTR = '@_';
const TEXT = '#text';

type XmlNode = Record<string, unknown>;

/** Only `--check` reads XML: the parser is loaded on first use. */
function xmlLibrary(): typeof FastXmlParser {
  return requireCjs('fast-xml-parser') as typeof FastXmlParser;
}

const PARSER_OPTIONS: FastXmlParser.X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Avahi keeps every character between the tags, spaces included
  trimValues: false,
  // numeric character references (&#38;) are XML; the few HTML names this also decodes are caught
  // by undefinedEntities() before parsing
  htmlEntities: true,
  isArray: (name) => ['service', 'subtype', 'txt-record', 'name', 'type', 'domain-name', 'host-name', 'port'].includes(name),
};

/** The elements and attributes avahi-service.dtd allows under each element. */
const SCHEMA: Record<string, { children: readonly string[]; attributes: Record<string, readonly string[]> }> = {
  'service-group': { children: ['name', 'service'], attributes: {} },
  name: { children: [], attributes: { 'replace-wildcards': ['yes', 'no'] } },
  service: {
    children: ['type', 'subtype', 'domain-name', 'host-name', 'port', 'txt-record'],
    attributes: { protocol: ['ipv4', 'ipv6', 'any'] },
  },
  type: { children: [], attributes: {} },
  subtype: { children: [], attributes: {} },
  'domain-name': { children: [], attributes: {} },
  'host-name': { children: [], attributes: {} },
  port: { children: [], attributes: {} },
  'txt-record': { children: [], attributes: { 'value-format': ['text', 'binary-hex', 'binary-base64'] } },
};

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** Named entities neither predefined by XML nor declared in the document: expat skips them. */
function undefinedEntities(xml: string): string[] {
  const declared = new Set([...xml.matchAll(/<!ENTITY\s+([^\s%]+)/g)].map((m) => m[1]));
  const withoutCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const names = [...withoutCdata.matchAll(/&([A-Za-z_][\w.-]*);/g)].map((m) => m[1] ?? '');
  return [...new Set(names.filter((n) => !XML_ENTITIES.has(n) && !declared.has(n)))];
}

function lineOf(xml: string, index: number): number {
  return xml.slice(0, index).split('\n').length;
}

/** Reports elements and attributes the DTD does not allow; Avahi refuses the whole file for them. */
function schemaProblems(element: string, node: XmlNode, problems: Problem[]): void {
  const rule = SCHEMA[element];
  if (!rule) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === TEXT) {
      if (rule.children.length > 0 && typeof value === 'string' && value.trim() !== '') {
        problems.push({
          code: 'stray-text',
          message: `<${element}> holds the text "${value.trim()}" outside its child elements`,
          fix: 'remove the stray text',
        });
      }
    } else if (key.startsWith(ATTR)) {
      const attr = key.slice(ATTR.length);
      const allowed = rule.attributes[attr];
      if (!allowed) {
        problems.push({
          code: 'unknown-attribute',
          message: `<${element}> has the attribute "${attr}", which Avahi does not know`,
          fix: `remove it (allowed: ${Object.keys(rule.attributes).join(', ') || 'none'})`,
        });
      } else if (!allowed.includes(String(value))) {
        problems.push({
          code: 'bad-attribute-value',
          message: `<${element} ${attr}="${String(value)}"> is not a value Avahi accepts`,
          fix: `use one of: ${allowed.join(', ')}`,
        });
      }
    } else if (!rule.children.includes(key)) {
      problems.push({
        code: 'unknown-element',
        message: `<${element}> holds the element <${key}>, which Avahi does not know; it refuses the whole file`,
        fix: `remove <${key}> (allowed inside <${element}>: ${rule.children.join(', ') || 'text only'})`,
      });
    } else {
      for (const child of value as XmlNode[]) schemaProblems(key, child, problems);
    }
  }
}

function texts(node: XmlNode, element: string): string[] {
  return ((node[element] as XmlNode[] | undefined) ?? []).map((n) => String(n[TEXT] ?? ''));
}

/** The single text of an element the DTD allows once; a repeat is reported. */
function single(node: XmlNode, element: string, where: string, problems: Problem[]): string | undefined {
  const all = texts(node, element);
  if (all.length > 1) problems.push({ code: 'repeated-element', message: `${where} has ${all.length} <${element}> elements`, fix: `keep one <${element}>` });
  return all[0];
}

function txtRecord(node: XmlNode, problems: Problem[]): string {
  const text = String(node[TEXT] ?? '');
  const format = node[`${ATTR}value-format`];
  if (format !== 'binary-hex' && format !== 'binary-base64') return text;
  const data = text.trim();
  const valid = format === 'binary-hex' ? /^([0-9a-fA-F]{2})*$/.test(data) : /^[A-Za-z0-9+/]*={0,2}$/.test(data);
  if (!valid)
    problems.push({
      code: 'bad-txt-record',
      message: `<txt-record value-format="${format}"> holds "${data}", which is not ${format.slice(7)}`,
      fix: 'write the bytes correctly, or use a plain text record',
    });
  return Buffer.from(data, format === 'binary-hex' ? 'hex' : 'base64').toString('utf8');
}

export interface ParsedServiceFile {
  /** Undefined when the XML is malformed or its root is not `<service-group>`. */
  readonly group: AvahiServiceGroup | undefined;
  /** What would make Avahi refuse the file. */
  readonly problems: readonly Problem[];
}

/** Reads a service file the way Avahi does, with a real XML parser; never throws for bad content. */
export function parseServiceFile(xml: string): ParsedServiceFile {
  const valid = xmlLibrary().XMLValidator.validate(xml);
  if (valid !== true) {
    return {
      group: undefined,
      problems: [
        {
          code: 'malformed-xml',
          message: `malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
          fix: 'correct the XML there (a literal & must be written &amp;, < as &lt;)',
        },
      ],
    };
  }
  const problems: Problem[] = [];
  for (const name of undefinedEntities(xml)) {
    const at = xml.indexOf(`&${name};`);
    problems.push({
      code: 'undefined-entity',
      message: `line ${lineOf(xml, at)} uses the entity &${name};, which XML does not define; Avahi's parser drops it`,
      fix: `write the character itself or a numeric reference (&#NNN;); a literal & is &amp;`,
    });
  }
  const doc = new (xmlLibrary().XMLParser)(PARSER_OPTIONS).parse(xml) as XmlNode;
  const roots = Object.keys(doc).filter((k) => k !== '?xml' && k !== TEXT);
  const groupNode = doc['service-group'] as XmlNode | undefined;
  if (roots.length !== 1 || !groupNode) {
    problems.push({
      code: 'not-service-group',
      message: `the root element is <${roots.join('>, <')}>, not <service-group>`,
      fix: 'wrap the services in <service-group> as avahi.service(5) shows',
    });
    return { group: undefined, problems };
  }
  schemaProblems('service-group', groupNode, problems);
  const nameNode = (groupNode.name as XmlNode[] | undefined)?.[0];
  const name = single(groupNode, 'name', '<service-group>', problems);
  if (name === undefined) problems.push({ code: 'no-name', message: '<service-group> has no <name>', fix: `add <name>${JITSI_INSTANCE_NAME}</name>` });
  const services = ((groupNode.service as XmlNode[] | undefined) ?? []).map((node, i): AvahiService => {
    const where = `<service> ${i + 1}`;
    const type = single(node, 'type', where, problems);
    const port = single(node, 'port', where, problems);
    if (type === undefined) problems.push({ code: 'no-type', message: `${where} has no <type>`, fix: 'add <type>_https._tcp</type>' });
    if (port === undefined) problems.push({ code: 'no-port', message: `${where} has no <port>`, fix: 'add <port>443</port>' });
    return {
      protocol: String(node[`${ATTR}protocol`] ?? 'any'),
      type,
      subtypes: texts(node, 'subtype'),
      domainName: single(node, 'domain-name', where, problems),
      hostName: single(node, 'host-name', where, problems),
      port,
      txt: ((node['txt-record'] as XmlNode[] | undefined) ?? []).map((t) => txtRecord(t, problems)),
    };
  });
  if (services.length === 0) problems.push({ code: 'no-service', message: '<service-group> has no <service>', fix: 'add a <service> element' });
  return { group: { name, replaceWildcards: nameNode?.[`${ATTR}replace-wildcards`] === 'yes', services }, problems };
}

/** Avahi reads the port with atoi(): leading spaces and trailing junk are ignored; 0 is refused. */
export function avahiPort(text: string | undefined): number | undefined {
  const n = Number.parseInt((text ?? '').trimStart(), 10);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** Types a Jitsi client asks for, in the order it asks. */
const JITSI_TYPES = ['_https._tcp', '_http._tcp'] as const;

export interface ServiceCheck {
  /** Templates a Jitsi client would build, in the order it would try them. */
  readonly templates: readonly string[];
  readonly problems: readonly Problem[];
  /** Host names (SRV targets) used by the services a client would look at. */
  readonly hostNames: readonly string[];
  /** Risky but workable settings. */
  readonly warnings: readonly string[];
}

function txtProblems(txt: readonly string[], where: string, warnings: string[]): Problem[] {
  const problems: Problem[] = [];
  try {
    checkTxtSize(txt, (w) => warnings.push(`${where}: ${w}`));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push({ code: 'txt-too-long', message: `${where}: ${err.message}`, fix: err.hint ?? 'shorten the TXT record' });
  }
  const path = txtEntries(txt).find((e) => e.key === 'path');
  if (path === undefined || path.value === undefined) {
    problems.push({
      code: 'no-path',
      message: `${where} has no TXT string "path=…"; a Jitsi client would ask for the server's root URL`,
      fix: 'add <txt-record>path=https://server/provisioning.php</txt-record> as the first record',
    });
  } else if (path.value.includes('?')) {
    problems.push({
      code: 'query-in-path',
      message: `${where}: the TXT "path" holds a '?'; Jitsi appends its own '?', giving "…?a=b?x=y"`,
      fix: 'keep only the URL without the query in "path" and put each parameter in its own <txt-record>name=value</txt-record>',
    });
  }
  return problems;
}

/**
 * What a Jitsi client would do with the file: which services it would find, the templates it would
 * build, and every problem on the way. `<this host>` stands for the Avahi host when a relative path
 * leaves the server to the SRV target.
 */
export function checkServiceFile(xml: string): ServiceCheck {
  const parsed = parseServiceFile(xml);
  const problems = [...parsed.problems];
  const warnings: string[] = [];
  const group = parsed.group;
  if (!group) return { templates: [], problems, hostNames: [], warnings };
  if (group.name !== undefined && group.name !== JITSI_INSTANCE_NAME) {
    problems.push({
      code: 'wrong-name',
      message: `the service name is "${group.name}"; a Jitsi client only looks for "${JITSI_INSTANCE_NAME}"`,
      fix: `write <name>${JITSI_INSTANCE_NAME}</name>`,
    });
  } else if (group.replaceWildcards && group.name?.includes('%h')) {
    problems.push({
      code: 'name-wildcard',
      message: 'the name uses %h, so it is not exactly "Provisioning URL"',
      fix: `write <name>${JITSI_INSTANCE_NAME}</name>`,
    });
  }
  const jitsiServices = JITSI_TYPES.flatMap((t) => group.services.filter((s) => s.type?.toLowerCase() === t));
  if (jitsiServices.length === 0 && group.services.length > 0) {
    const types = group.services.map((s) => `"${s.type ?? ''}"`).join(', ');
    problems.push({
      code: 'no-http-type',
      message: `no service has the type _https._tcp or _http._tcp (found ${types}); a Jitsi client asks for those two only`,
      fix: 'write <type>_https._tcp</type> (or _http._tcp for a plain-HTTP server)',
    });
  }
  const templates: string[] = [];
  const hostNames: string[] = [];
  for (const s of jitsiServices) {
    const where = `the ${s.type} service`;
    if (s.domainName !== undefined && s.domainName.replace(/\.$/, '').toLowerCase() !== 'local') {
      problems.push({
        code: 'not-local-domain',
        message: `${where} is in the domain "${s.domainName}"; a Jitsi client only looks in .local`,
        fix: 'remove <domain-name>',
      });
    }
    const port = avahiPort(s.port);
    if (s.port !== undefined && port === undefined) {
      problems.push({
        code: 'bad-port',
        message: `${where} has the port "${s.port}"; Avahi refuses the file`,
        fix: 'write a port from 1 to 65535, e.g. <port>443</port>',
      });
    }
    if (s.hostName !== undefined) {
      hostNames.push(s.hostName);
      if (!s.hostName.toLowerCase().endsWith('.local')) {
        warnings.push(`${where}: host-name "${s.hostName}" does not end in .local; Avahi does not append it, and mDNS clients only ask for .local names`);
      }
    }
    problems.push(...txtProblems(s.txt, where, warnings));
    if (s.type?.toLowerCase() === '_http._tcp') warnings.push(`${where}: plain http sends the provisioning POST (usernames, passwords) in clear text`);
    templates.push(fromTxt({ type: s.type ?? '', txt: s.txt, host: s.hostName ?? '<this host>', port }));
  }
  return { templates, problems, hostNames, warnings };
}
