/**
 * Charts as inline SVG made on the server: no chart library, no script, nothing from the internet.
 * Colours come from admin.css by class (an inline style would break the page's CSP); labels are
 * client text and are escaped by `html`.
 */
import { html, type Html } from './html.js';

const BAR_HEIGHT = 22;
const LABEL_WIDTH = 220;
const BAR_WIDTH = 360;
/** Past this many bars the rest is one "other" bar: a chart of 900 builds tells nothing. */
const MAX_BARS = 15;

export interface Bar {
  readonly label: string;
  readonly value: number;
}

/** Largest first, the tail summed up as "(N others)". */
function topBars(bars: readonly Bar[]): Bar[] {
  const sorted = [...bars].sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  if (sorted.length <= MAX_BARS) return sorted;
  const rest = sorted.slice(MAX_BARS - 1);
  return [...sorted.slice(0, MAX_BARS - 1), { label: `(${rest.length} others)`, value: rest.reduce((n, b) => n + b.value, 0) }];
}

/** A horizontal bar chart; `title` is the SVG's accessible name. */
export function barChart(title: string, bars: readonly Bar[]): Html {
  const shown = topBars(bars);
  if (shown.length === 0) return html`<p class="empty">no data yet</p>`;
  const max = Math.max(...shown.map((b) => b.value), 1);
  const height = shown.length * BAR_HEIGHT + 4;
  const width = LABEL_WIDTH + BAR_WIDTH + 60;
  const rows = shown.map((b, i) => {
    const y = i * BAR_HEIGHT + 2;
    const w = Math.max(1, Math.round((b.value / max) * BAR_WIDTH));
    const label = b.label.length > 32 ? `${b.label.slice(0, 31)}…` : b.label;
    return html`<g
      ><title>${b.label}: ${b.value}</title><text x="${LABEL_WIDTH - 6}" y="${y + 15}" text-anchor="end" class="label">${label}</text
      ><rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR_HEIGHT - 6}" class="bar"></rect
      ><text x="${LABEL_WIDTH + w + 6}" y="${y + 15}" class="value">${b.value}</text></g
    >`;
  });
  return svg('chart', title, width, height, rows);
}

/** A small line of per-minute counts, oldest first. */
export function sparkline(title: string, values: readonly number[]): Html {
  const width = 180;
  const height = 28;
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${Math.round(i * step)},${Math.round(height - 2 - (v / max) * (height - 4))}`).join(' ');
  return svg('spark', title, width, height, html`<polyline points="${points}" class="line"></polyline>`);
}

/** The frame every chart shares: its class (for admin.css), accessible name and size. */
function svg(cls: string, title: string, width: number, height: number, body: Html | Html[]): Html {
  return html`<svg
    class="${cls}"
    role="img"
    aria-label="${title}"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title>${title}</title>
    ${body}
  </svg>`;
}
