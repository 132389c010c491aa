/** Where the status page reads from: the inventory (none without `inventory` in [serve]) and the advertisement's health (none without `via`). */
import type { Inventory } from '../inventory/inventory.js';
import type { DiscoveryHealth } from './discovery-health.js';

export interface AdminSources {
  readonly inventory: Pick<Inventory, 'devices' | 'device' | 'summary' | 'onVisit' | 'health'> | undefined;
  readonly discovery: DiscoveryHealth | undefined;
}
