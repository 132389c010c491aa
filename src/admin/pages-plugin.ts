/** The status page's HTML routes (behind requireAdmin): overview, devices, one device. */
import type { FastifyPluginAsync } from 'fastify';
import { DEVICES_QUERY_SCHEMA, toDeviceQuery, type DevicesQueryString } from './devices-query.js';
import { devicePage } from './device-page.js';
import { devicesPage } from './devices-page.js';
import { messagePage, sendPage } from './layout.js';
import { overviewPage } from './overview-page.js';
import type { AdminSources } from './sources.js';

export const pagesPlugin: FastifyPluginAsync<AdminSources> = async (app, { inventory, discovery }) => {
  app.get('/admin/', async (req, reply) => {
    const summary = await inventory?.summary();
    return sendPage(reply, overviewPage({ user: req.adminUser, summary, health: inventory?.health(), discovery: discovery?.snapshot() }));
  });

  app.get<{ Querystring: DevicesQueryString }>('/admin/devices', { schema: { querystring: DEVICES_QUERY_SCHEMA } }, async (req, reply) => {
    const query = toDeviceQuery(req.query);
    const found = await inventory?.devices(query);
    return sendPage(reply, devicesPage({ user: req.adminUser, query, rows: found?.rows, total: found?.total ?? 0 }));
  });

  app.get<{ Params: { id: string } }>('/admin/devices/:id', async (req, reply) => {
    const found = await inventory?.device(req.params.id);
    if (!found) return sendPage(reply, messagePage(req.adminUser, 'No such device', `No device ${req.params.id} in the inventory.`), 404);
    return sendPage(reply, devicePage({ user: req.adminUser, ...found }));
  });
};
