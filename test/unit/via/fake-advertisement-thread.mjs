/**
 * A stand-in advertisement thread for worker-advertisement.test.ts: the real thread protocol
 * (runAdvertisementThread, from dist/: a worker thread does not get vitest's TypeScript loader; npm
 * test builds first) around an advertisement that opens no socket — a unit test must send nothing on
 * the machine's network. It warns once, announces, tells a query every 5 ms until closed, then a
 * dhcp-closed end. The template `fail` makes it refuse to start with a UsageError; `crash` makes the
 * thread die of an uncaught error 20 ms after it announced.
 */
import { runAdvertisementThread } from '../../../dist/via/advertisement-thread.js';
import { UsageError } from '../../../dist/util/errors.js';

const PACKETS = { received: 3, answered: 3, malformed: 0, ignored: 0, offLink: 0, limited: 0, sendErrors: 0, faults: 0 };

runAdvertisementThread(async (options, onEvent) => {
  if (options.template === 'fail') throw new UsageError('the template is refused', 'give another', 'invalid-template');
  options.warn?.('a warning from the thread');
  onEvent({ event: 'announced', via: options.via, template: options.template, interfaces: [] });
  const query = { event: 'query', from: '192.0.2.7', port: 5353, interface: 'eth0', questions: [], answered: ['unicast'] };
  // the timer keeps the thread alive, as the real advertisement's sockets do
  const timer = setInterval(() => onEvent(query), 5);
  if (options.template === 'crash')
    setTimeout(() => {
      throw new Error('a fault of the thread');
    }, 20);
  let end;
  const finished = new Promise((resolve) => (end = resolve));
  return {
    finished,
    close: async () => {
      clearInterval(timer);
      const closed = { event: 'dhcp-closed', packets: PACKETS };
      onEvent(closed);
      end(closed);
    },
  };
});
