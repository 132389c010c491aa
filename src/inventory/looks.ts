/**
 * Who looked: a client that asked for the template over mDNS (a `query` the responder answered) or
 * DHCP (a `dhcp-inform`), as a LookRecord. Taken from the advertisement's event callback only, so it
 * does not matter where the responders run.
 */
import type { ViaEvent } from '../via/advertise-via.js';
import type { LookRecord } from './records.js';

/** The look an advertisement event tells, if it tells one. */
export function lookOf(event: ViaEvent, time: Date = new Date()): LookRecord | undefined {
  if (event.event === 'query') return { time: time.toISOString(), client: event.from, method: 'bonjour', interface: event.interface };
  if (event.event === 'dhcp-inform') return { time: time.toISOString(), client: event.address, method: 'dhcp', interface: event.interface };
  return undefined;
}
