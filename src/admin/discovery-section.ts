/** The overview's discovery part: what serve advertises on each link, who else does, how often clients ask. */
import { sparkline } from './charts.js';
import type { DiscoveryHealthSnapshot } from './discovery-health.js';
import { when } from './format.js';
import { html, type Html } from './html.js';

export function discoverySection(d: DiscoveryHealthSnapshot | undefined): Html {
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
