/**
 * Everything a Jitsi client does before it posts: take the template (given, or discovered), expand
 * it on this machine, and take the credentials by Jitsi's rules. Jitsi asks for credentials only
 * when the template has both a `${username}` and a `${password}` field, and what is typed replaces
 * the whole value of that field.
 */
import { parseTemplate } from '../template/template.js';
import { setting, UsageError, type WarningSink } from '../util/errors.js';
import { discoverTemplate, type FoundTemplate, type TemplateDiscovery } from './discovered-template.js';
import { expandTemplate, type Expansion, type ExpansionContext } from './expansion.js';
import { asksForCredentials, buildRequest, type Credentials, type ProvisioningRequest } from './post-form.js';

/** What the user is asked for when the template wants credentials that were not both given. */
export interface CredentialPrompt {
  /** Host (and port) the form goes to. */
  readonly host: string;
  /** The user name already given: only the password is missing. */
  readonly username: string | undefined;
  /** The template is http: what is typed travels in clear text. */
  readonly inClear: boolean;
}

export interface ClientRequestOptions {
  /** The template, or the discovery methods to find it by. */
  readonly template: string | TemplateDiscovery;
  readonly context?: ExpansionContext | undefined;
  /** The user name given beforehand. */
  readonly username?: string | undefined;
  /** The password given beforehand: read once the template is expanded, so that a bad template is reported before anything waits for a password. */
  readonly readPassword?: (() => Promise<string>) | undefined;
  /** Asks for the credentials the template wants and that were not both given; without it, they must be. */
  readonly askCredentials?: ((prompt: CredentialPrompt) => Promise<Credentials>) | undefined;
  readonly onWarning?: WarningSink | undefined;
  /** Where a discovered template came from, as soon as it is found. */
  readonly onFound?: ((found: FoundTemplate) => void) | undefined;
}

/** The request a client posts first, and what it was made from. */
export interface ClientRequest {
  readonly template: string;
  readonly context: ExpansionContext;
  readonly expansion: Expansion;
  readonly credentials: Credentials | undefined;
  readonly request: ProvisioningRequest;
}

/** The template, checked, expanded, with the credentials the client would send at first. */
export async function prepareClientRequest(options: ClientRequestOptions): Promise<ClientRequest> {
  const warn = options.onWarning ?? (() => undefined);
  const template = await templateOf(options, warn);
  const context = options.context ?? {};
  const expansion = await expandTemplate(template, context);
  for (const w of expansion.warnings) warn(w);
  const credentials = await initialCredentials(buildRequest(expansion.url), template, options, warn);
  return { template, context, expansion, credentials, request: buildRequest(expansion.url, credentials) };
}

/** What `provdisc expand` shows: the request, and a warning when a password would go over http. */
export async function expandForClient(options: ClientRequestOptions): Promise<ClientRequest> {
  const prepared = await prepareClientRequest(options);
  const { request } = prepared;
  if (/^http:/i.test(request.postUrl) && request.fields.some((f) => f.credential === 'password')) {
    options.onWarning?.('the template uses http: the password field would travel in clear text; use https');
  }
  return prepared;
}

/** A given template, or a discovered one; checked as `advertise` checks one, so a bad port or host is named here. */
async function templateOf(options: ClientRequestOptions, warn: WarningSink): Promise<string> {
  let template: string;
  if (typeof options.template === 'string') {
    template = options.template;
  } else {
    const found = await discoverTemplate(options.template, warn);
    options.onFound?.(found);
    template = found.template;
  }
  parseTemplate(template);
  return template;
}

async function initialCredentials(
  request: ProvisioningRequest,
  template: string,
  options: ClientRequestOptions,
  warn: WarningSink,
): Promise<Credentials | undefined> {
  const { username } = options;
  const password = await options.readPassword?.();
  const fields = request.fields.filter((f) => f.credential !== undefined).map((f) => f.credential);
  for (const f of request.fields.filter((x) => x.credential !== undefined && x.value !== '')) {
    warn(
      `the field "${f.name}" holds more than \${${f.credential}}: the client replaces its whole value with the typed ${f.credential === 'username' ? 'user name' : 'password'}`,
    );
  }
  if (!asksForCredentials(request)) {
    if (fields.length > 0) {
      warn(`the template has \${${fields[0]}} without \${${fields[0] === 'username' ? 'password' : 'username'}}: Jitsi never asks then, and sends it empty`);
    }
    if (username !== undefined || password !== undefined)
      warn(`${setting('username')} / ${setting('readPassword')} are not used: the template asks for no credentials`);
    return undefined;
  }
  const host = new URL(request.postUrl).host;
  if (username !== undefined && password !== undefined) return { username, password };
  if (!options.askCredentials) {
    throw new UsageError(
      'the template asks for ${username} and ${password}, and they cannot be asked for',
      `give ${setting('username')} and ${setting('readPassword')}, or ${setting('askCredentials')}`,
      'credentials-missing',
    );
  }
  return options.askCredentials({ host, username, inClear: /^http:/i.test(template) });
}
