/**
 * Runs inside a lab host: one bonjour-service `find` for _https._tcp, timed from creating the
 * client to the first `up` of "Provisioning URL". Prints one JSON line, then exits.
 */
import Bonjour from 'bonjour-service';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({ address: { type: 'string' }, 'timeout-ms': { type: 'string', default: '5000' } });
if (!values.address) throw new Error("--address (this host's IPv4) is required");

const started = performance.now();
// multicast-dns options: bound to the wildcard so multicast answers arrive, sending through
// this host's interface (the lab has no default route to 224.0.0.251)
const bonjour = new Bonjour({ interface: values.address, bind: '0.0.0.0' } as Partial<Bonjour.ServiceConfig>);
const result = await new Promise<Record<string, unknown>>((resolve) => {
  const timer = setTimeout(() => resolve({ found: false }), Number(values['timeout-ms']));
  bonjour.find({ type: 'https' }, (service) => {
    if (service.name !== 'Provisioning URL') return;
    clearTimeout(timer);
    resolve({ found: true, addresses: service.addresses, txt: service.txt, host: service.host });
  });
});
console.log(JSON.stringify({ ...result, elapsedMs: performance.now() - started }));
bonjour.destroy();
process.exit(0);
