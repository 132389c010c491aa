/**
 * What a Jitsi client does when its provisioning request does not end on a 200 answer
 * (ProvisioningServiceImpl, HttpUtils, CertificateServiceImpl):
 * - 401 and 403: it clears the saved credentials and asks for them again, "authentication failed",
 *   until the user cancels;
 * - a certificate it cannot check against its trust store (host name included): it shows its
 *   certificate dialog, unless `…service.gui.ALWAYS_TRUST_MODE_ENABLED` (accepted without asking) or
 *   `…service.tls.NO_USER_INTERACTION` (refused without asking);
 * - anything else (another status, a redirect it does not follow, a timeout, a refused connection):
 *   it gives up silently and starts with the configuration it had, unless
 *   `…plugin.provisioning.MANDATORY` is set: then it shows "provisioning failed" and stops.
 */
import { ProvdiscError, setting } from '../util/errors.js';

export const MANDATORY_PROPERTY = 'net.java.sip.communicator.plugin.provisioning.MANDATORY';
export const ALWAYS_TRUST_PROPERTY = 'net.java.sip.communicator.service.gui.ALWAYS_TRUST_MODE_ENABLED';
export const NO_USER_INTERACTION_PROPERTY = 'net.java.sip.communicator.service.tls.NO_USER_INTERACTION';

export type ClientOutcome = 'asks-credentials' | 'trust-dialog' | 'gives-up-silently' | 'shows-error';

/** How the client's configuration changes what it does on a failure. */
export interface ClientReactions {
  /** `…provisioning.MANDATORY` is set: a failure is shown, and the client stops. */
  readonly mandatory?: boolean | undefined;
  /** What the client does with a certificate it cannot check: ask the user (default), accept, refuse. */
  readonly untrusted?: 'ask' | 'accept' | 'refuse' | undefined;
}

/** Jitsi's ConfigurationService.getBoolean: "true" in any case is true. */
const isTrue = (value: string | undefined): boolean => value?.toLowerCase() === 'true';

/** The reactions of a client with this configuration. */
export function clientReactions(config: ReadonlyMap<string, string>): ClientReactions {
  const untrusted = isTrue(config.get(ALWAYS_TRUST_PROPERTY)) ? 'accept' : isTrue(config.get(NO_USER_INTERACTION_PROPERTY)) ? 'refuse' : 'ask';
  return { mandatory: isTrue(config.get(MANDATORY_PROPERTY)), untrusted };
}

/** Why provisioning got no usable answer: what a caller may branch on. */
export type ProvisionFailureCode =
  'credentials-refused' | 'tls-rejected' | 'timeout' | 'connection-refused' | 'host-not-found' | 'request-failed' | 'unexpected-status' | 'bad-redirect';

/** Provisioning did not get its answer; `outcome` is what the client does then, `message` says it, `code` why. */
export class ProvisionFailure extends ProvdiscError<ProvisionFailureCode> {
  override name = 'ProvisionFailure';
  constructor(
    message: string,
    hint: string,
    readonly outcome: ClientOutcome,
    code: ProvisionFailureCode,
  ) {
    super(message, { code, hint });
  }
}

/** A failure the client does not explain to its user: silent, or shown when provisioning is mandatory. */
export function failure(what: string, hint: string, reactions: ClientReactions, code: ProvisionFailureCode): ProvisionFailure {
  if (reactions.mandatory) {
    return new ProvisionFailure(`${what}: the client shows "provisioning failed" and stops (${MANDATORY_PROPERTY} is set)`, hint, 'shows-error', code);
  }
  return new ProvisionFailure(
    `${what}: the client gives up silently (nothing is shown; it starts with the configuration it had)`,
    hint,
    'gives-up-silently',
    code,
  );
}

/** A 401 or 403 the client would answer by asking its user again. */
export function credentialsAgain(what: string, hint: string): ProvisionFailure {
  return new ProvisionFailure(
    `${what}: the client asks for the credentials again ("authentication failed"), until its user cancels`,
    hint,
    'asks-credentials',
    'credentials-refused',
  );
}

/** A certificate the client's trust store does not vouch for, as its user would meet it. */
export function untrustedCertificate(host: string, reason: string, reactions: ClientReactions): ProvisionFailure {
  const hint = `trust the CA that signed it with ${setting('tls.ca')} (PEM), as the client trust store does, and serve a certificate naming the host; ${setting('tls.insecure')} plays a user who accepts it`;
  if (reactions.untrusted === 'refuse')
    return failure(
      `the certificate of ${host} is not trusted (${reason}); the client refuses it without asking (${NO_USER_INTERACTION_PROPERTY} is set)`,
      hint,
      reactions,
      'tls-rejected',
    );
  return new ProvisionFailure(
    `the certificate of ${host} is not trusted (${reason}): the client shows its certificate dialog for ${host}; if its user accepts, provisioning goes on, otherwise the client gives up silently`,
    hint,
    'trust-dialog',
    'tls-rejected',
  );
}
