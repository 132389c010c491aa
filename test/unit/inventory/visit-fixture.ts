import type { VisitRecord } from '../../../src/inventory/records.js';

/** A visit as serve records it: a Linux client on build 2.10.5550 provisioned with `linux`, unless told otherwise. */
export function visit(fields: Partial<VisitRecord> = {}): VisitRecord {
  return {
    time: new Date().toISOString(),
    client: '192.0.2.10',
    uuid: 'uuid-1',
    hwaddr: '02:00:00:00:00:01',
    osname: 'Linux',
    build: '2.10.5550',
    arch: 'x86_64',
    username: 'alice',
    ipaddr: '192.0.2.10',
    profiles: ['common', 'linux'],
    status: 200,
    reason: null,
    ...fields,
  };
}

/** `n` devices on a few builds and systems, last seen over the last `n` minutes. */
export function fleet(n: number, now = Date.now()): VisitRecord[] {
  const builds = ['2.10.5550', '2.11.5700', '5012', '2.8.4000'];
  const systems = ['Linux', 'Windows 10', 'Mac OS X'];
  return Array.from({ length: n }, (_, i) =>
    visit({
      time: new Date(now - i * 60_000).toISOString(),
      uuid: `uuid-${i}`,
      hwaddr: `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      username: `user${i}`,
      build: builds[i % builds.length] ?? null,
      osname: systems[i % systems.length] ?? null,
      client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    }),
  );
}
