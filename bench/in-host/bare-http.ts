/**
 * Runs inside a lab host: the anchor for `provdisc serve`, a bare node:http server that reads the
 * POST and answers 200 with fixed bytes (`--answer`, base64), the same headers a provisioning answer
 * has. With `--cert` and `--key` (PEM files) it is node:https instead (the storm's anchor), on
 * `--host` (default 127.0.0.1). Prints {"listening":port} once up; runs until killed.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({
  answer: { type: 'string', default: '' },
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
  cert: { type: 'string' },
  key: { type: 'string' },
});
const answer = Buffer.from(values.answer ?? '', 'base64');
const handler: http.RequestListener = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=ISO-8859-1', 'Content-Length': answer.length });
    res.end(answer);
  });
};
const server =
  values.cert && values.key ? https.createServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) }, handler) : http.createServer(handler);
server.listen(Number(values.port), values.host, () => process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
