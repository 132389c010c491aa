/**
 * `serve` as one service: the provisioning server for a site, the inventory it records into, its
 * status page, and the advertisement of its template, wired together. The advertisement runs in a
 * thread of its own (answers never wait behind HTTP work, docs/architecture.md); each of its events
 * goes to the status page's discovery health, to the inventory as a look, and to the caller.
 * The caller (the CLI) only prints the hooks' records and handles signals.
 */
import type { AdminLogin } from '../admin/auth-plugin.js';
import { startStatusPage, type StatusPage } from '../admin/status-page.js';
import { openInventory, type Inventory, type InventoryHealth } from '../inventory/inventory.js';
import { lookOf } from '../inventory/looks.js';
import { explainListenError } from '../server/listen.js';
import { ProvisioningServer, type HandshakeFailure, type RequestRecord } from '../server/server.js';
import type { Site } from '../server/site.js';
import type { ViaEvent } from '../via/advertise-via.js';
import { advertiseViaInWorker, type WorkerAdvertisement } from '../via/worker-advertisement.js';

export interface ServiceHooks {
  readonly warn: (message: string) => void;
  /** The provisioning server listens (before the status page and the advertisement start). */
  readonly onListening?: (url: string) => void;
  /** The status page listens. */
  readonly onStatusPage?: (url: string) => void;
  readonly onRequest?: (record: RequestRecord) => void;
  readonly onHandshakeFailure?: (failure: HandshakeFailure) => void;
  readonly onAdminLogin?: (login: AdminLogin) => void;
  /** Every event of the advertisement (`via`), as `advertise --json` prints them. */
  readonly onAdvertisement?: (event: ViaEvent) => void;
}

/** What the service did, told when it stops. */
export interface ServiceTotals {
  /** Requests answered, by HTTP status. */
  readonly requests: ReadonlyMap<number, number>;
  /** Failed TLS handshakes; undefined when the site serves plain http. */
  readonly tlsFailed: number | undefined;
  readonly inventory: InventoryHealth | undefined;
}

export interface Service {
  /** Where clients post, e.g. https://0.0.0.0:443 (the site's path follows). */
  readonly url: string;
  /** The status page's URL; undefined without [admin]. */
  readonly statusUrl: string | undefined;
  /** The site file read again: what took effect now, and notes on what needs a restart. */
  reload(site: Site): string[];
  /** Stops accepting, lets running requests finish, sends the goodbyes, writes what is waiting. */
  close(): Promise<ServiceTotals>;
}

/**
 * Starts everything the site asks for. The inventory is opened before anything listens, so a site
 * whose inventory cannot be opened fails at start; whatever had started is closed again when a later
 * part fails.
 */
export async function startService(site: Site, hooks: ServiceHooks): Promise<Service> {
  const inventory: Inventory | undefined = site.inventory
    ? await openInventory(site.inventory.setting, { days: site.inventory.days, warn: hooks.warn })
    : undefined;
  let server: ProvisioningServer | undefined;
  let status: StatusPage | undefined;
  let ad: WorkerAdvertisement | undefined;
  let health: InventoryHealth | undefined;
  // Stop accepting, let running requests finish, send the goodbyes, write what waits. Each part is
  // closed even when one before it failed to (a part left running would keep the process alive);
  // the first failure is thrown once all are done.
  const closeAll = async () => {
    let failure: unknown;
    const steps = [
      () => status?.close(),
      () => server?.close(),
      () => ad?.close(),
      // close() writes what waits (once: a database that is down costs one attempt, not two)
      async () => {
        try {
          await inventory?.close();
        } finally {
          health = inventory?.health();
        }
      },
    ];
    for (const step of steps) await Promise.resolve(step()).catch((err: unknown) => (failure ??= err));
    if (failure !== undefined) throw failure;
  };
  try {
    const running = (server = new ProvisioningServer(site, { inventory, onRequest: hooks.onRequest, onHandshakeFailure: hooks.onHandshakeFailure }));
    const url = await running.listen().catch((err: NodeJS.ErrnoException) => {
      throw explainListenError(err, site.listen, 'listen in [serve]');
    });
    hooks.onListening?.(url);
    probeDirectory(site, hooks.warn);
    if (site.admin) {
      status = await startStatusPage(site.admin, { inventory, advertised: site.via.length > 0, onLogin: hooks.onAdminLogin });
      hooks.onStatusPage?.(status.url);
    }
    if (site.via.length > 0) {
      ad = await advertiseViaInWorker({ template: site.template, via: site.via, warn: hooks.warn }, (e) => {
        hooks.onAdvertisement?.(e);
        status?.feed(e);
        const look = inventory && lookOf(e);
        if (look) inventory.recordLook(look);
      });
      void ad.finished.then((end) => {
        if (end.event === 'conflict') hooks.warn('the advertisement stopped (name conflict); still serving');
      });
    }
    return {
      url,
      statusUrl: status?.url,
      reload(next) {
        const notes = running.replaceSite(next);
        notes.push(...(status?.replaceSettings(next.admin) ?? (next.admin ? ['[admin] added: restart provdisc serve to start the status page'] : [])));
        probeDirectory(next, hooks.warn);
        return notes;
      },
      async close() {
        await closeAll();
        return { requests: running.counts, tlsFailed: site.tls ? running.handshakeFailures : undefined, inventory: health };
      },
    };
  } catch (err) {
    // the start-up failure is what the caller must hear, not a failure to close what had started
    await closeAll().catch(() => undefined);
    throw err;
  }
}

/** A directory that cannot be asked is said at start (and reload), not only at the first login. */
function probeDirectory(site: Site, warn: (message: string) => void): void {
  const source = site.accounts?.source;
  if (source?.kind !== 'directory') return;
  source.directory.sample().then(
    ({ entries, missing }) => {
      if (entries > 0 && missing.length > 0) warn(`no sample entry of the directory has ${missing.join(', ')}: check the map.FIELD lines of [accounts]`);
    },
    (err: Error) => warn(`the directory cannot be asked (${err.message}): logins and lookups get 503 until it answers`),
  );
}
