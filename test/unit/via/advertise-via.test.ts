/** Which method's failure advertiseVia explains, with the Bonjour side failing before any socket opens. */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../../src/bonjour/advertise.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/bonjour/advertise.js')>()),
  advertise: () => Promise.reject(Object.assign(new Error('bind EADDRINUSE 0.0.0.0:5353'), { code: 'EADDRINUSE' })),
}));

const { advertiseVia } = await import('../../../src/via/advertise-via.js');

describe('advertiseVia', () => {
  it("throws a Bonjour bind failure as it is, not as DHCP port 6767's", async () => {
    const run = advertiseVia({ template: 'https://p.example/p', via: ['bonjour'], interfaces: [] });
    await expect(run).rejects.toThrow('bind EADDRINUSE 0.0.0.0:5353');
    await expect(run).rejects.not.toThrow(/6767/);
  });
});
