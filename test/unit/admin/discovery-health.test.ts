import { describe, expect, it } from 'vitest';
import { DiscoveryHealth } from '../../../src/admin/discovery-health.js';
import { escapeHtml, html } from '../../../src/admin/html.js';
import { barChart } from '../../../src/admin/charts.js';

const announced = {
  event: 'announced' as const,
  via: ['bonjour' as const, 'dhcp' as const],
  template: 'https://prov/p',
  instance: 'Provisioning URL',
  type: '_https._tcp',
  host: 'a.local',
  port: 8443,
  txt: [],
  interfaces: [{ name: 'eth0', addresses: ['198.51.100.1'] }],
  dhcp: { port: 6767, interfaces: ['eth0'] },
};

describe('discovery health', () => {
  it("shows provdisc's own advertiser on each link, and another host answering for the name as a conflict", () => {
    const health = new DiscoveryHealth(() => 0);
    let changes = 0;
    health.onChange(() => changes++);
    health.feed(announced);
    health.feed({
      event: 'conflict',
      from: '198.51.100.2',
      interface: 'eth0',
      message: 'm',
      advertises: 'https://evil/grab',
      action: 'defended',
      count: 3,
      total: 3,
    });
    const link = health.snapshot().links[0];
    expect(link).toMatchObject({ interface: 'eth0', own: { bonjour: 'Provisioning URL (_https._tcp, SRV a.local:8443)', dhcp: true } });
    expect(link?.others).toEqual([{ from: '198.51.100.2', advertises: 'https://evil/grab', conflicts: 3, lastSeen: new Date(0).toISOString(), quiet: false }]);
    health.feed({ event: 'conflict-quiet', from: '198.51.100.2', interface: 'eth0', total: 4, message: 'm' });
    expect(health.snapshot().links[0]?.others[0]).toMatchObject({ quiet: true, conflicts: 4 });
    expect(changes).toBe(3);
  });

  it('counts the questions of the last minute by method, and per minute over 15 minutes', () => {
    let now = 10 * 60_000;
    const health = new DiscoveryHealth(() => now);
    const query = { event: 'query' as const, from: '198.51.100.2', port: 5353, interface: 'eth0', questions: [], answered: [] };
    for (let i = 0; i < 3; i++) health.feed(query);
    health.feed({ event: 'dhcp-inform', address: '198.51.100.2', mac: 'aa:bb:cc:dd:ee:ff', xid: '00000001', interface: 'eth0' });
    expect(health.snapshot().perMinute).toEqual({ bonjour: 3, dhcp: 1 });
    now += 60_000;
    const later = health.snapshot();
    expect(later.perMinute).toEqual({ bonjour: 0, dhcp: 0 });
    expect(later.history.bonjour.slice(-2)).toEqual([3, 0]);
    expect(later.history.bonjour).toHaveLength(15);
  });

  it('a goodbye leaves the link without provdisc’s mDNS advertiser', () => {
    const health = new DiscoveryHealth();
    health.feed(announced);
    health.feed({ event: 'goodbye', instance: 'Provisioning URL', packets: { received: 0, sent: 0, malformed: 0, offLink: 0, echoes: 0, faults: 0 } });
    expect(health.snapshot().links[0]?.own).toEqual({ bonjour: undefined, dhcp: true });
  });
});

describe('html', () => {
  it('escapes every interpolated value, arrays included, and keeps its own markup', () => {
    const hostile = `<img src=x onerror=alert(1)>"'&`;
    expect(escapeHtml(hostile)).toBe('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    expect(html`<td title="${hostile}">${[hostile, html`<b>${hostile}</b>`]}</td>`.text).toBe(
      '<td title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;<b>&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;</b></td>',
    );
  });

  it('charts keep the 15 largest bars and sum the rest', () => {
    const bars = Array.from({ length: 20 }, (_, i) => ({ label: `b${i}`, value: i + 1 }));
    const svg = barChart('builds', bars).text;
    expect(svg.match(/<rect /g)).toHaveLength(15);
    expect(svg).toContain('(6 others)');
  });
});
