/** The overview (`/admin/`): the inventory's counts, failures and charts, its write health, the discovery. */
import type { InventoryHealth, InventorySummary } from '../inventory/inventory.js';
import { barChart } from './charts.js';
import type { DiscoveryHealthSnapshot } from './discovery-health.js';
import { discoverySection } from './discovery-section.js';
import { noInventory, when } from './format.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';

function inventoryHealth(h: InventoryHealth): Html {
  const trouble = h.failed > 0 || h.dropped > 0 || h.lastError !== null;
  return html`<p class="${trouble ? 'bad' : 'muted'}">
    Inventory (${h.backend}): ${h.written} written, ${h.pending} waiting, ${h.failed} failed writes, ${h.dropped}
    dropped${h.lastError ? html`; last error: ${h.lastError}` : ''}
  </p>`;
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
