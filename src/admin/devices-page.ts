/** The devices list (`/admin/devices`): filters, sortable columns, paging. */
import type { DeviceQuery, DeviceRow } from '../inventory/inventory.js';
import { noInventory, statusCell, when } from './format.js';
import { asTyped, html, type Html } from './html.js';
import { layout } from './layout.js';

export const PAGE_SIZE = 200;

/** The devices page's query string, with `change` applied: for sort links and paging. */
function devicesHref(q: DeviceQuery, change: Partial<DeviceQuery>): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  if (next.search) params.set('q', next.search);
  if (next.build) params.set('build', next.build);
  if (next.os) params.set('os', next.os);
  if (next.user) params.set('user', next.user);
  if (next.sort) params.set('sort', next.sort);
  if (next.descending !== undefined) params.set('desc', next.descending ? '1' : '0');
  if (next.offset) params.set('offset', String(next.offset));
  const text = params.toString();
  return `/admin/devices${text ? `?${text}` : ''}`;
}

const COLUMNS: readonly [label: string, sort: DeviceQuery['sort'] | undefined][] = [
  ['Device', undefined],
  ['User', 'user'],
  ['OS', 'os'],
  ['Build', 'build'],
  ['Address', undefined],
  ['First seen', 'firstSeen'],
  ['Last seen', 'lastSeen'],
  ['Last status', 'status'],
  ['Profiles', undefined],
  ['Requests', undefined],
];

function deviceHref(id: string): string {
  return `/admin/devices/${encodeURIComponent(id)}`;
}

export function devicesPage(options: { user: string; query: DeviceQuery; rows: readonly DeviceRow[] | undefined; total: number }): Html {
  const { user, query: q, rows, total } = options;
  const filters = html`<section class="filters">
    <form method="get" action="/admin/devices" role="search">
      <label>Search <input name="q" type="search" value="${asTyped(q.search ?? '')}" placeholder="id, user, OS, build, address" /></label>
      <label>Build <input name="build" value="${asTyped(q.build ?? '')}" placeholder="<5000, 2.10.*" /></label>
      <label>OS <input name="os" value="${asTyped(q.os ?? '')}" placeholder="Windows*" /></label>
      <label>User <input name="user" value="${asTyped(q.user ?? '')}" /></label>
      ${q.sort ? html`<input type="hidden" name="sort" value="${q.sort}" />` : ''}
      <button type="submit">Filter</button> <a href="/admin/devices">clear</a>
    </form>
  </section>`;
  if (!rows)
    return layout({
      title: 'Devices',
      here: '/admin/devices',
      user,
      body: html`<h1>Devices</h1>
        ${noInventory()}`,
    });
  const offset = q.offset ?? 0;
  const head = COLUMNS.map(([label, sort]) => {
    if (!sort) return html`<th>${label}</th>`;
    const current = (q.sort ?? 'lastSeen') === sort;
    const descending = current ? !(q.descending ?? sort === 'lastSeen') : sort === 'lastSeen';
    return html`<th${current ? html` aria-sort="${(q.descending ?? sort === 'lastSeen') ? 'descending' : 'ascending'}"` : ''}><a href="${devicesHref(q, { sort, descending, offset: 0 })}">${label}</a></th>`;
  });
  const body = rows.map(
    (d) =>
      html`<tr data-id="${asTyped(d.id)}">
        <td><a href="${deviceHref(d.id)}">${d.id}</a>${d.hwaddr && d.hwaddr !== d.id ? html`<br /><span class="muted">${d.hwaddr}</span>` : ''}</td>
        <td>${d.username}</td>
        <td class="os">${d.osname}</td>
        <td class="build">${d.build}</td>
        <td>${d.client}</td>
        <td>${when(d.firstSeen)}</td>
        <td>${when(d.lastSeen)}</td>
        ${statusCell(d.lastStatus, d.lastReason)}
        <td>${d.profiles.join(', ')}</td>
        <td>${d.requests}</td>
      </tr>`,
  );
  const paging = html`<p class="muted" id="shown">
    ${total === 0 ? 'no device matches' : `devices ${offset + 1}–${offset + rows.length} of ${total}`}
    ${offset > 0 ? html` <a href="${devicesHref(q, { offset: Math.max(0, offset - PAGE_SIZE) })}">previous</a>` : ''}
    ${offset + rows.length < total ? html` <a href="${devicesHref(q, { offset: offset + PAGE_SIZE })}">next</a>` : ''}
  </p>`;
  return layout({
    title: 'Devices',
    here: '/admin/devices',
    user,
    live: true,
    before: filters,
    body: html`<h1>Devices</h1>
      ${paging}
      <table class="devices">
        <thead>
          <tr>
            ${head}
          </tr>
        </thead>
        <tbody>
          ${body}
        </tbody>
      </table>`,
  });
}
