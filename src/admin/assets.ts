/**
 * The status page's only script and style sheet, served by provdisc itself from /admin/static/ (the
 * CSP allows nothing else: no inline script or style, nothing from the internet). Kept as strings
 * here so the bundled command line carries them without files to find at run time.
 */

/**
 * Live updates: on a server-sent `visit` (a client posted) or `discovery` event, the page's <main>
 * is fetched again and swapped in. The HTML comes from the same server that escaped every client
 * value in it, and DOMParser runs no script. The filter form sits outside <main>, so typing survives.
 */
const ADMIN_JS = `'use strict';
(function () {
  var main = document.querySelector('main');
  if (!main || !window.EventSource || document.body.dataset.live !== 'on') return;
  var timer = null;
  var running = false;
  var again = false;
  function refresh() {
    if (running) { again = true; return; }
    running = true;
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) {
        if (res.redirected || !res.ok) { location.reload(); return null; }
        return res.text();
      })
      .then(function (text) {
        if (text === null) return;
        var next = new DOMParser().parseFromString(text, 'text/html').querySelector('main');
        var current = document.querySelector('main');
        if (next && current) current.replaceWith(document.importNode(next, true));
        document.body.dataset.updated = String(Date.now());
      })
      .catch(function () {})
      .finally(function () {
        running = false;
        if (again) { again = false; refresh(); }
      });
  }
  function soon() {
    if (timer !== null) return;
    timer = setTimeout(function () { timer = null; refresh(); }, 250);
  }
  var events = new EventSource('/admin/events');
  events.addEventListener('visit', soon);
  events.addEventListener('discovery', soon);
  events.addEventListener('open', function () { document.body.dataset.events = 'open'; });
})();
`;

const ADMIN_CSS = `:root { color-scheme: light; --fg: #1d2330; --muted: #5d6675; --line: #d9dee6; --accent: #1b6ac9; --bad: #b3261e; --ok: #1e7b34; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--fg); background: #f6f7f9; }
header { display: flex; gap: 1.5em; align-items: center; padding: 0.6em 1.2em; background: #fff; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 600; }
header nav a { margin-right: 1em; color: var(--accent); text-decoration: none; }
header nav a.here { font-weight: 600; color: var(--fg); }
header form { margin-left: auto; }
main, .filters { padding: 0.8em 1.2em; }
h1 { font-size: 1.3em; margin: 0.3em 0 0.6em; }
h2 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.6em 1em; min-width: 11em; }
.card .n { font-size: 1.8em; font-weight: 600; }
.card .what { color: var(--muted); }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 0.3em 0.7em; border-bottom: 1px solid var(--line); vertical-align: top; }
th a { color: var(--fg); }
td.status-ok { color: var(--ok); }
td.status-bad, .bad { color: var(--bad); }
.muted, .empty { color: var(--muted); }
.filters form { display: flex; flex-wrap: wrap; gap: 0.6em; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: 0.85em; color: var(--muted); }
input, button { font: inherit; padding: 0.25em 0.5em; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
svg.chart text { font-size: 12px; fill: var(--fg); }
svg.chart rect.bar { fill: var(--accent); }
svg.spark polyline.line { fill: none; stroke: var(--accent); stroke-width: 1.5; }
.login { max-width: 22em; margin: 4em auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1.2em 1.5em; }
.login label { display: block; margin: 0.6em 0; }
.login input { width: 100%; }
.error { color: var(--bad); font-weight: 600; }
code { font-size: 0.92em; word-break: break-all; }
`;

export interface Asset {
  readonly type: string;
  readonly body: string;
}

export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['admin.js', { type: 'text/javascript; charset=utf-8', body: ADMIN_JS }],
  ['admin.css', { type: 'text/css; charset=utf-8', body: ADMIN_CSS }],
]);
