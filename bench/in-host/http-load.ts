/**
 * Runs inside a lab host: `--requests` POSTs of one form to `--url` from `--concurrency` clients at
 * once (keep-alive connections, as many as clients), checking every answer is 200 with the expected
 * body. With `--forms FILE` (a JSON array of {form, contains}), request i posts form i instead and
 * its answer must be 200 and hold `contains` (each user's own account). Prints one JSON line:
 * requests, errors, wall time, requests per second, latency quantiles.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { inHostOptions } from '../../test/lab/guard.js';
import { summarize } from '../stats.js';
import { defined } from '../../test/defined.js';

const values = inHostOptions({
  url: { type: 'string' },
  form: { type: 'string', default: '' },
  expect: { type: 'string', default: '' },
  concurrency: { type: 'string', default: '64' },
  requests: { type: 'string', default: '4000' },
  forms: { type: 'string' },
});
const forms = values.forms === undefined ? undefined : (JSON.parse(readFileSync(values.forms, 'utf8')) as { form: string; contains: string }[]);
const url = new URL(values.url ?? '');
const total = forms?.length ?? Number(values.requests);
const concurrency = Number(values.concurrency);
const expected = Buffer.from(values.expect ?? '', 'base64');
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const oneBody = Buffer.from(values.form ?? '');

function post(i: number): Promise<boolean> {
  const body = forms ? Buffer.from(defined(forms[i]).form) : oneBody;
  const good = (answer: Buffer) => (forms ? answer.toString('latin1').includes(defined(forms[i]).contains) : answer.equals(expected));
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(res.statusCode === 200 && good(Buffer.concat(chunks))));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

let started = 0;
let errors = 0;
const latencies: number[] = [];
async function client(): Promise<void> {
  while (started < total) {
    const i = started++;
    const t = performance.now();
    if (!(await post(i))) errors++;
    latencies.push(performance.now() - t);
  }
}

const began = performance.now();
await Promise.all(Array.from({ length: concurrency }, client));
const wallMs = performance.now() - began;
agent.destroy();
const l = summarize(latencies);
process.stdout.write(
  `${JSON.stringify({ requests: total, errors, wallMs, rps: (total / wallMs) * 1000, latencyMs: { median: l.median, p90: l.p90, p99: l.p99, max: l.max } })}\n`,
);
