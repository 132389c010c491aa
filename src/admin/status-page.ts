/**
 * The status page as `serve` runs it: the admin server over the inventory, with the discovery health
 * fed from the advertisement's events (the same via event callback serve prints from). Started after
 * the provisioning server, closed before it.
 */
import type { ViaEvent } from '../via/advertise-via.js';
import type { AdminSettings } from '../server/admin-section.js';
import { explainListenError } from '../server/listen.js';
import { AdminServer, type AdminServerOptions } from './admin-server.js';
import { DiscoveryHealth } from './discovery-health.js';

export interface StatusPage {
  /** The page's URL, e.g. http://127.0.0.1:8444/admin/. */
  readonly url: string;
  readonly server: AdminServer;
  /** One event of serve's advertisement (via). */
  feed(event: ViaEvent): void;
  /** The admins file re-read (SIGHUP); notes for what needs a restart. */
  replaceSettings(settings: AdminSettings | undefined): string[];
  close(): Promise<void>;
}

/** Starts the status page; `advertised`: serve has `via` (else the page says it does not advertise). */
export async function startStatusPage(
  settings: AdminSettings,
  options: Omit<AdminServerOptions, 'discovery'> & { readonly advertised: boolean },
): Promise<StatusPage> {
  const discovery = options.advertised ? new DiscoveryHealth(options.now) : undefined;
  const server = new AdminServer(settings, { ...options, discovery });
  const url = await server.listen().catch((err: NodeJS.ErrnoException) => {
    throw explainListenError(err, settings.listen, 'listen in [admin]');
  });
  return {
    url,
    server,
    feed: (e) => discovery?.feed(e),
    replaceSettings: (next) => (next ? server.replaceSettings(next) : ['[admin] removed: restart provdisc serve to stop the status page']),
    close: () => server.close(),
  };
}
