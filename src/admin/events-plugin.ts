/**
 * `/admin/events`: server-sent events (behind requireAdmin). `visit` after each request the inventory
 * wrote (onVisit), `discovery` when a link's advertisers change; the pages refetch on either. The
 * event carries no client text: the page reads it from the server's escaped HTML.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AdminSources } from './sources.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** Streams open at once, all admins together: more is a leak or an attack. */
export const MAX_STREAMS = 64;
const PING_MS = 15_000;

export const eventsPlugin: FastifyPluginAsync<AdminSources> = async (app, { inventory, discovery }) => {
  let open = 0;
  app.get('/admin/events', async (req, reply) => {
    if (open >= MAX_STREAMS) return reply.code(503).send({ error: 'too many event streams open' });
    open++;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    // a lost stream is retried after 2 s
    res.write('retry: 2000\n\n');
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const offVisit = inventory?.onVisit((v) => send('visit', { time: v.time, status: v.status }));
    const offDiscovery = discovery?.onChange(() => send('discovery', {}));
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    res.once('close', () => {
      open--;
      clearInterval(ping);
      offVisit?.();
      offDiscovery?.();
    });
  });
};
