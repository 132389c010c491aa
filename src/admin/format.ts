/** What several pages show alike, so that a time, a status or the missing inventory reads the same on each. */
import { html, type Html } from './html.js';

/** `2026-12-02T11:37:52.123Z` → `2026-12-02 11:37:52` (UTC, as the server logs it). */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

export function statusCell(status: number, reason: string | null): Html {
  return html`<td class="${status === 200 ? 'status-ok' : 'status-bad'}">${status}${reason ? html` <span class="muted">${reason}</span>` : ''}</td>`;
}

export function noInventory(): Html {
  return html`<p class="empty">No inventory: add <code>inventory = inventory.db</code> to [serve] to record the clients.</p>`;
}
