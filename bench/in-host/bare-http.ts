/**
 * Runs inside a lab host: the anchor for `provdisc serve`, a bare node:http server that reads the
 * POST and answers 200 with fixed bytes (`--answer`, base64), the same headers a provisioning answer
 * has. Prints {"listening":port} once up; runs until killed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({ answer: { type: 'string', default: '' }, port: { type: 'string', default: '0' } });
const answer = Buffer.from(values.answer ?? '', 'base64');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=ISO-8859-1', 'Content-Length': answer.length });
    res.end(answer);
  });
});
server.listen(Number(values.port), '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
