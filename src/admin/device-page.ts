/** One device (`/admin/devices/:id`): what it last posted and its history. */
import type { DeviceRow } from '../inventory/inventory.js';
import type { VisitRecord } from '../inventory/records.js';
import { statusCell, when } from './format.js';
import { html, type Html, type HtmlValue } from './html.js';
import { layout } from './layout.js';

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
