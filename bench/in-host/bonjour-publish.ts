/**
 * Runs inside a lab host: bonjour-service `publish` of "Provisioning URL" with its defaults (SRV
 * target os.hostname(), addresses of every interface). Prints `{"event":"published"}` once up,
 * unpublishes on SIGTERM.
 */
import Bonjour from 'bonjour-service';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({ address: { type: 'string' }, txt: { type: 'string', multiple: true, default: [] } });
if (!values.address) throw new Error("--address (this host's IPv4) is required");

const txt = Object.fromEntries(values.txt.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
const bonjour = new Bonjour({ interface: values.address, bind: '0.0.0.0' } as Partial<Bonjour.ServiceConfig>);
const service = bonjour.publish({ name: 'Provisioning URL', type: 'https', port: 443, txt });
service.on('up', () => console.log(JSON.stringify({ event: 'published', host: service.host })));
process.on('SIGTERM', () => bonjour.unpublishAll(() => bonjour.destroy(() => process.exit(0))));
