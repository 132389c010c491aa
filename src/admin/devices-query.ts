/** The devices page's and API's query string, checked by Fastify's schema, as the inventory's DeviceQuery. */
import type { DeviceQuery, DeviceSort } from '../inventory/inventory.js';
import { PAGE_SIZE } from './devices-page.js';

const SORTS: readonly DeviceSort[] = ['lastSeen', 'user', 'os', 'build', 'status', 'firstSeen'];
export const API_LIMIT = 1000;

export interface DevicesQueryString {
  q?: string;
  build?: string;
  os?: string;
  user?: string;
  sort?: DeviceSort;
  desc?: '0' | '1';
  offset?: number;
  limit?: number;
}

const text = { type: 'string', maxLength: 200 } as const;
export const DEVICES_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    q: text,
    build: text,
    os: text,
    user: text,
    sort: { type: 'string', enum: SORTS },
    desc: { type: 'string', enum: ['0', '1'] },
    offset: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
    limit: { type: 'integer', minimum: 1, maximum: API_LIMIT },
  },
} as const;

/** An empty field is no filter (a form submits every input). */
function given(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

export function toDeviceQuery(qs: DevicesQueryString, limit = PAGE_SIZE): DeviceQuery {
  return {
    search: given(qs.q),
    build: given(qs.build),
    os: given(qs.os),
    user: given(qs.user),
    sort: qs.sort,
    descending: qs.desc === undefined ? undefined : qs.desc === '1',
    offset: qs.offset,
    limit: Math.min(qs.limit ?? limit, API_LIMIT),
  };
}
