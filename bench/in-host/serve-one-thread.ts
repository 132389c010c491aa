/**
 * Runs inside a lab host: what `provdisc serve --json` with `via` did before its advertisement got
 * a worker thread — the HTTPS server and advertiseVia on one event loop — so the storm can show
 * both side by side. `--site FILE`; prints serve's `listening`, `request` and via events as JSON lines.
 */
import { loadSite } from '../../src/server/site.js';
import { ProvisioningServer } from '../../src/server/server.js';
import { advertiseVia } from '../../src/via/advertise-via.js';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({ site: { type: 'string' } });
const site = loadSite(values.site ?? '');
const print = (e: object) => process.stdout.write(`${JSON.stringify(e)}\n`);
const server = new ProvisioningServer(site, { onRequest: (r) => print({ event: 'request', ...r }) });
print({ event: 'listening', url: await server.listen() });
const ad = await advertiseVia({ template: site.template, via: site.via }, print);
process.on('SIGTERM', () => void Promise.all([server.close(), ad.close()]).then(() => process.exit(0)));
