/**
 * The status page's HTML: layout, login, overview, devices, one device. Every value that came from
 * a client (or from another host on the LAN) goes through `html`, which escapes it; links carry
 * client values only URI-encoded. No inline script or style: the CSP forbids both.
 */
import type { DeviceQuery, DeviceRow, InventoryHealth, InventorySummary } from '../inventory/inventory.js';
import type { VisitRecord } from '../inventory/records.js';
import { barChart, sparkline } from './charts.js';
import type { DiscoveryHealthSnapshot } from './discovery-health.js';
import { html, type Html, type HtmlValue } from './html.js';

export const PAGE_SIZE = 200;
const NAV = [
  ['/admin/', 'Overview'],
  ['/admin/devices', 'Devices'],
] as const;

/** `2026-12-02T11:37:52.123Z` → `2026-12-02 11:37:52` (UTC, as the server logs it). */
function when(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

export function layout(options: { title: string; here: string; user: string | undefined; live?: boolean; body: HtmlValue; before?: HtmlValue }): Html {
  const { title, here, user, live = false, body, before } = options;
  const nav = user
    ? html`<nav>${NAV.map(([href, label]) => html`<a href="${href}" ${here === href ? html` class="here"` : ''}>${label}</a>`)}</nav>
        <form method="post" action="/admin/logout"><span class="muted">${user}</span> <button type="submit">Log out</button></form>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · provdisc</title>
        <link rel="stylesheet" href="/admin/static/admin.css" />
        <script src="/admin/static/admin.js" defer></script>
      </head>
      <body data-live="${live ? 'on' : 'off'}">
        <header><span class="brand">provdisc</span>${nav}</header>
        ${before ?? ''}
        <main>${body}</main>
      </body>
    </html> `;
}

export function loginPage(error: string | undefined, user = ''): Html {
  return layout({
    title: 'Log in',
    here: '',
    user: undefined,
    body: html`<form class="login" method="post" action="/admin/login">
      <h1>provdisc status</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label>Admin name <input name="username" autocomplete="username" required value="${user}" /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Log in</button>
    </form>`,
  });
}

function statusCell(status: number, reason: string | null): Html {
  return html`<td class="${status === 200 ? 'status-ok' : 'status-bad'}">${status}${reason ? html` <span class="muted">${reason}</span>` : ''}</td>`;
}

function noInventory(): Html {
  return html`<p class="empty">No inventory: add <code>inventory = inventory.db</code> to [serve] to record the clients.</p>`;
}

function inventoryHealth(h: InventoryHealth): Html {
  const trouble = h.failed > 0 || h.dropped > 0 || h.lastError !== null;
  return html`<p class="${trouble ? 'bad' : 'muted'}">
    Inventory (${h.backend}): ${h.written} written, ${h.pending} waiting, ${h.failed} failed writes, ${h.dropped}
    dropped${h.lastError ? html`; last error: ${h.lastError}` : ''}
  </p>`;
}

function discoverySection(d: DiscoveryHealthSnapshot | undefined): Html {
  if (!d)
    return html`<h2>Discovery</h2>
      <p class="empty">serve does not advertise (no <code>via</code> in [serve]).</p>`;
  const links = d.links.map(
    (l) =>
      html`<tr>
        <td>${l.interface}<br /><span class="muted">${l.addresses.join(', ')}</span></td>
        <td>
          ${l.own ? html`${l.own.bonjour ? html`mDNS: ${l.own.bonjour}` : ''}${l.own.bonjour && l.own.dhcp ? html`<br />` : ''}${l.own.dhcp ? 'DHCP option 224' : ''}` : html`<span class="bad">not advertising</span>`}
        </td>
        <td>
          ${
            l.others.length === 0 && l.moreHosts === 0
              ? html`<span class="muted">none</span>`
              : html`${l.others.map((o) => html`<div class="${o.quiet ? 'muted' : 'bad'}">${o.from}: ${o.advertises} (${o.conflicts} conflicting answers, last ${when(o.lastSeen)}${o.quiet ? ', quiet now' : ''})</div>`)}${l.moreHosts > 0 ? html`<div class="bad">and ${l.moreHosts} more hosts</div>` : ''}`
          }
        </td>
      </tr>`,
  );
  return html`<h2>Discovery</h2>
    <p>${d.advertising ? html`Advertising <code>${d.template ?? ''}</code>` : html`<span class="bad">Not advertising</span>`}</p>
    <table class="links">
      <thead>
        <tr>
          <th>Link</th>
          <th>provdisc</th>
          <th>Other advertisers (conflicts)</th>
        </tr>
      </thead>
      <tbody>
        ${links}
      </tbody>
    </table>
    <h2>Clients asking, per minute</h2>
    <table class="rates">
      <thead>
        <tr>
          <th>Method</th>
          <th>Last minute</th>
          <th>Last 15 minutes</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>mDNS (Bonjour)</td>
          <td class="n-bonjour">${d.perMinute.bonjour}</td>
          <td>${sparkline('mDNS questions per minute', d.history.bonjour)}</td>
        </tr>
        <tr>
          <td>DHCP (option 224)</td>
          <td class="n-dhcp">${d.perMinute.dhcp}</td>
          <td>${sparkline('DHCP INFORMs per minute', d.history.dhcp)}</td>
        </tr>
      </tbody>
    </table>`;
}

export function overviewPage(options: {
  user: string;
  summary: InventorySummary | undefined;
  health: InventoryHealth | undefined;
  discovery: DiscoveryHealthSnapshot | undefined;
}): Html {
  const { user, summary: s, health, discovery } = options;
  const failures = s ? s.failures.reduce((n, f) => n + f.count, 0) : 0;
  const body = s
    ? html`<div class="cards">
          <div class="card">
            <div class="n" id="provisioned-today">${s.provisionedToday}</div>
            <div class="what">provisioned today (UTC)</div>
          </div>
          <div class="card">
            <div class="n" id="provisioned-week">${s.provisionedWeek}</div>
            <div class="what">provisioned over 7 days</div>
          </div>
          <div class="card">
            <div class="n" id="devices">${s.devices}</div>
            <div class="what">devices known</div>
          </div>
          <div class="card">
            <div class="n" id="failures">${failures}</div>
            <div class="what">refused requests, 7 days</div>
          </div>
        </div>
        ${health ? inventoryHealth(health) : ''}
        <h2>Failures by kind (7 days)</h2>
        ${
          s.failures.length === 0
            ? html`<p class="empty">none</p>`
            : html`<table class="failures">
                <thead>
                  <tr>
                    <th>Status</th>
                    <th>Why</th>
                    <th>Count</th>
                  </tr>
                </thead>
                <tbody>
                  ${s.failures.map(
                    (f) =>
                      html`<tr>
                        <td>${f.status}</td>
                        <td>${f.reason}</td>
                        <td>${f.count}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
        ${discoverySection(discovery)}
        <h2>Looked, never posted</h2>
        ${
          s.lookedNeverPosted.length === 0
            ? html`<p class="empty">none: every client that asked also posted</p>`
            : html`<p class="muted">These found the URL but never came: a firewall, an untrusted certificate, a wrong method?</p>
                <table class="looked">
                  <thead>
                    <tr>
                      <th>Address</th>
                      <th>Asked by</th>
                      <th>Last</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${s.lookedNeverPosted.map(
                      (l) =>
                        html`<tr>
                          <td>${l.client}</td>
                          <td>${l.method}</td>
                          <td>${when(l.lastSeen)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
        }
        <h2>Builds and operating systems</h2>
        <div class="charts">
          <figure>
            ${barChart(
              'Devices by build',
              s.builds.map((b) => ({ label: b.build, value: b.count })),
            )}
            <figcaption>Devices by build</figcaption>
          </figure>
          <figure>
            ${barChart(
              'Devices by OS',
              s.os.map((o) => ({ label: o.os, value: o.count })),
            )}
            <figcaption>Devices by operating system</figcaption>
          </figure>
        </div>`
    : html`${noInventory()}${discoverySection(discovery)}`;
  return layout({
    title: 'Overview',
    here: '/admin/',
    user,
    live: true,
    body: html`<h1>Overview</h1>
      ${body}`,
  });
}

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

export function deviceHref(id: string): string {
  return `/admin/devices/${encodeURIComponent(id)}`;
}

export function devicesPage(options: { user: string; query: DeviceQuery; rows: readonly DeviceRow[] | undefined; total: number }): Html {
  const { user, query: q, rows, total } = options;
  const filters = html`<section class="filters">
    <form method="get" action="/admin/devices" role="search">
      <label>Search <input name="q" type="search" value="${q.search ?? ''}" placeholder="id, user, OS, build, address" /></label>
      <label>Build <input name="build" value="${q.build ?? ''}" placeholder="<5000, 2.10.*" /></label>
      <label>OS <input name="os" value="${q.os ?? ''}" placeholder="Windows*" /></label>
      <label>User <input name="user" value="${q.user ?? ''}" /></label>
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
      html`<tr data-id="${d.id}">
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

function historyRow(v: VisitRecord): Html {
  return html`<tr>
    <td>${when(v.time)}</td>
    <td>${v.client}</td>
    <td>${v.username}</td>
    <td>${v.osname}</td>
    <td>${v.build}</td>
    <td>${v.arch}</td>
    <td>${v.ipaddr}</td>
    ${statusCell(v.status, v.reason)}
    <td>${v.profiles.join(', ')}</td>
  </tr>`;
}

export function devicePage(options: { user: string; device: DeviceRow; history: readonly VisitRecord[] }): Html {
  const { user, device: d, history } = options;
  const facts: [string, HtmlValue][] = [
    ['uuid', d.uuid],
    ['MAC address', d.hwaddr],
    ['user', d.username],
    ['OS', d.osname],
    ['build', d.build],
    ['architecture', d.arch],
    ['last address', d.client],
    ['first seen', when(d.firstSeen)],
    ['last seen', when(d.lastSeen)],
    ['requests', d.requests],
    ['profiles (last 200)', d.profiles.join(', ')],
  ];
  return layout({
    title: `Device ${d.id}`,
    here: '/admin/devices',
    user,
    live: true,
    body: html`<h1>Device <code>${d.id}</code></h1>
      <table class="facts">
        <tbody>
          ${facts.map(
            ([k, v]) =>
              html`<tr>
                <th>${k}</th>
                <td>${v}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>History (newest first)</h2>
      <table class="history">
        <thead>
          <tr>
            <th>Time</th>
            <th>Address</th>
            <th>User</th>
            <th>OS</th>
            <th>Build</th>
            <th>Arch</th>
            <th>Posted address</th>
            <th>Status</th>
            <th>Profiles</th>
          </tr>
        </thead>
        <tbody>
          ${history.map(historyRow)}
        </tbody>
      </table>`,
  });
}

export function messagePage(user: string | undefined, title: string, message: string): Html {
  return layout({
    title,
    here: '',
    user,
    body: html`<h1>${title}</h1>
      <p>${message}</p>`,
  });
}
