/**
 * `/admin/events`: server-sent events (behind requireAdmin). `visit` after each request the inventory
 * wrote (onVisit), `discovery` when a link's advertisers change; the pages refetch on either. The
 * event carries no client text: the page reads it from the server's escaped HTML. A stream lives no
 * longer than its session (checked at each event and ping), a session holds a few at most, and a
 * reader that does not keep up is cut off rather than buffered for.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AdminSources } from './sources.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { sessionToken, type Sessions } from './sessions.js';

/** Streams open at once, all admins together: more is a leak or an attack. */
const MAX_STREAMS = 64;
/** Streams of one session: a few tabs; more would let one session take every stream. */
const MAX_STREAMS_PER_SESSION = 8;
/** Bytes waiting for a slow reader before its stream is ended (an event is some 60 bytes). */
const MAX_BUFFERED = 64 * 1024;
const PING_MS = 15_000;

export interface EventsOptions extends AdminSources {
  readonly sessions: Sessions;
}

export const eventsPlugin: FastifyPluginAsync<EventsOptions> = async (app, { inventory, discovery, sessions }) => {
  let open = 0;
  const perSession = new Map<string, number>();
  app.get('/admin/events', async (req, reply) => {
    // requireAdmin let the request in, so the cookie holds a live session's token
    const token = sessionToken(req.headers.cookie) ?? '';
    const mine = perSession.get(token) ?? 0;
    if (open >= MAX_STREAMS || mine >= MAX_STREAMS_PER_SESSION) return reply.code(503).send({ error: 'too many event streams open' });
    open++;
    perSession.set(token, mine + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    const write = (text: string) => {
      // ended or cut off: a write now would be an error event no one listens to
      if (res.writableEnded || res.destroyed) return;
      if (!sessions.alive(token)) res.end();
      else if (res.writableLength > MAX_BUFFERED) res.destroy();
      else res.write(text);
    };
    // a lost stream is retried after 2 s
    write('retry: 2000\n\n');
    const offVisit = inventory?.onVisit((v) => write(`event: visit\ndata: ${JSON.stringify({ time: v.time, status: v.status })}\n\n`));
    const offDiscovery = discovery?.onChange(() => write('event: discovery\ndata: {}\n\n'));
    const ping = setInterval(() => write(': ping\n\n'), PING_MS);
    res.once('close', () => {
      open--;
      const left = (perSession.get(token) ?? 1) - 1;
      if (left > 0) perSession.set(token, left);
      else perSession.delete(token);
      clearInterval(ping);
      offVisit?.();
      offDiscovery?.();
    });
  });
};
