/**
 * The form POST a Jitsi client sends (ProvisioningServiceImpl): the expanded URL is cut at its first
 * `?` and the query at each `&` into the fields. `${username}` and `${password}` are not replaced in
 * the URL: the field holding one of them takes the credential the user types as its whole value.
 */

export const PASSWORD_MASK = '********';

/** One field of the POST form, in template order. */
export interface FormField {
  readonly name: string;
  readonly value: string;
  /** Set when the field carries the typed user name or password. */
  readonly credential?: 'username' | 'password' | undefined;
}

export interface ProvisioningRequest {
  /** The URL the form is posted to: the expanded template up to its first `?`. */
  readonly postUrl: string;
  readonly fields: readonly FormField[];
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Cuts an expanded URL into the POST the client sends. A field whose raw text holds `${username}`
 * (`${password}`) gets the typed credential as its whole value; without credentials the placeholder
 * is just removed, which is what Jitsi sends when it does not ask.
 */
export function buildRequest(expandedUrl: string, credentials?: Credentials): ProvisioningRequest {
  const q = expandedUrl.indexOf('?');
  const postUrl = q < 0 ? expandedUrl : expandedUrl.slice(0, q);
  const query = q < 0 ? '' : expandedUrl.slice(q + 1);
  const fields =
    query === ''
      ? []
      : query.split('&').map((piece): FormField => {
          const eq = piece.indexOf('=');
          const name = eq < 0 ? piece : piece.slice(0, eq);
          const raw = eq < 0 ? '' : piece.slice(eq + 1);
          if (piece.includes('${username}')) return { name, value: credentials?.username ?? raw.replaceAll('${username}', ''), credential: 'username' };
          if (piece.includes('${password}')) return { name, value: credentials?.password ?? raw.replaceAll('${password}', ''), credential: 'password' };
          return { name, value: raw };
        });
  return { postUrl, fields };
}

/** Jitsi only asks for credentials when the template has both a user name and a password field. */
export function asksForCredentials(request: ProvisioningRequest): boolean {
  return request.fields.some((f) => f.credential === 'username') && request.fields.some((f) => f.credential === 'password');
}

/** The request body: `application/x-www-form-urlencoded`, UTF-8, space as `+`, as Apache HttpClient encodes it. */
export function formBody(request: ProvisioningRequest): string {
  return new URLSearchParams(request.fields.map((f) => [f.name, f.value])).toString();
}

export function maskField(f: FormField): string {
  return f.credential === 'password' && f.value !== '' ? PASSWORD_MASK : f.value;
}

/** The request as one URL, password masked, for people to read. */
export function displayUrl(request: ProvisioningRequest): string {
  if (request.fields.length === 0) return request.postUrl;
  return `${request.postUrl}?${request.fields.map((f) => `${f.name}=${maskField(f)}`).join('&')}`;
}
