/** `/admin/api/…`: the pages' data as JSON (behind requireAdmin), for scripts. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { API_LIMIT, DEVICES_QUERY_SCHEMA, toDeviceQuery, type DevicesQueryString } from './devices-query.js';
import type { AdminSources } from './sources.js';

function noInventory(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: 'no inventory: add inventory = inventory.db to [serve]' });
}

export const apiPlugin: FastifyPluginAsync<AdminSources> = async (app, { inventory, discovery }) => {
  app.get<{ Querystring: DevicesQueryString }>('/admin/api/devices', { schema: { querystring: DEVICES_QUERY_SCHEMA } }, async (req, reply) => {
    if (!inventory) return noInventory(reply);
    return inventory.devices(toDeviceQuery(req.query, API_LIMIT));
  });

  app.get<{ Params: { id: string } }>('/admin/api/device/:id', async (req, reply) => {
    if (!inventory) return noInventory(reply);
    return (await inventory.device(req.params.id)) ?? reply.code(404).send({ error: 'no such device' });
  });

  app.get('/admin/api/summary', async (_req, reply) => {
    if (!inventory) return noInventory(reply);
    return { ...(await inventory.summary()), inventory: inventory.health() };
  });

  app.get('/admin/api/discovery', async () => discovery?.snapshot() ?? { advertising: false, template: null, links: [], perMinute: null, history: null });
};
