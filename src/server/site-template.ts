/**
 * `template` of [serve]: the URI template clients are given, read as the form they will post — the
 * path, the fields, which field carries which placeholder, and which carry credentials. The other
 * sections are checked against this form.
 */
import { asString } from '../config/config-file.js';
import { buildRequest } from '../client/placeholders.js';
import { parseTemplate, type ProvisioningTemplate, type Scheme } from '../template/template.js';
import { UsageError, type WarningSink } from '../util/errors.js';
import { FIELD_REFERENCE } from './property-lines.js';
import type { Site } from './site.js';
import { siteError, type KeyPlace } from './site-values.js';

export type SiteForm = Pick<Site, 'template' | 'scheme' | 'path' | 'fields' | 'fieldOf' | 'usernameField' | 'passwordField' | 'secretFields'> & {
  /** The template's host, which the certificate must name. */
  readonly host: string;
  /** The template's port; undefined: the scheme's. */
  readonly port: number | undefined;
};

export function readTemplate(serve: Record<string, unknown>, { at, warn }: { at: KeyPlace; warn: WarningSink }): SiteForm {
  if (serve.template === undefined)
    throw siteError(at('template'), 'is missing', 'write the URI template clients use: template = https://host:8443/prov?osname=${osname}');
  const template = asString(serve.template, at('template'));
  let scheme: Scheme;
  let host: string;
  let port: number | undefined;
  let params: ProvisioningTemplate['params'];
  try {
    ({ scheme, host, port, params } = parseTemplate(template, warn));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw siteError(at('template'), err.message, err.hint ?? 'fix the template', err.code);
  }
  const request = buildRequest(template);
  const fieldOf = new Map<string, string>();
  for (const param of params)
    for (const [, name] of (param.value ?? '').matchAll(FIELD_REFERENCE)) if (!fieldOf.has(name ?? '')) fieldOf.set(name ?? '', param.name);
  // every field the client fills with the typed password (buildRequest's rule: `${password}` anywhere
  // in the piece, its name included), however many there are
  const secretFields = new Set(request.fields.filter((f) => f.credential === 'password').map((f) => f.name));
  return {
    template,
    scheme,
    host,
    port,
    path: new URL(request.postUrl.replace(/\$\{[^}]*\}/g, 'x')).pathname,
    fields: request.fields.map((f) => f.name),
    fieldOf,
    usernameField: request.fields.find((f) => f.credential === 'username')?.name,
    passwordField: request.fields.find((f) => f.credential === 'password')?.name,
    secretFields,
  };
}
