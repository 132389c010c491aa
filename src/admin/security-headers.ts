/**
 * Headers on every answer of the status page: a CSP allowing only this server's own script, style
 * and images (no inline script or style: an injected `<script>` or `onerror=` cannot run), no
 * framing, no sniffing, no referrer to other sites (`no-referrer` would make Chromium post the login
 * with `Origin: null`, which the Origin check refuses), nothing cached (the pages hold the inventory).
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
