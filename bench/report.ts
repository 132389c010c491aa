/** Formatting shared by the bench sections, and the report: headline table first, then each section's details. */
import type { Sample } from './clients.js';
import type { Headline } from './section.js';
import { summarize, type Summary } from './stats.js';

export interface Series {
  samples: Sample[];
  /** Over the successful samples only. */
  summary: Summary | null;
  failures: number;
}

export function series(samples: Sample[]): Series {
  const ok = samples.filter((s) => s.ok).map((s) => s.elapsedMs);
  return { samples, summary: ok.length > 0 ? summarize(ok) : null, failures: samples.length - ok.length };
}

/** Milliseconds at 0.01 ms resolution below 10 ms, fewer digits above. */
export const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
export const mb = (kb: number): string => (kb / 1024).toFixed(1);
export const median = (s: Series | undefined): number | undefined => s?.summary?.median;

export function cell(s: Series | undefined): string {
  if (!s) return '–';
  const fail = s.failures > 0 ? ` **${s.failures} failed**` : '';
  if (!s.summary) return `all failed${fail}`;
  const { median: m, p90, min, max, n } = s.summary;
  return `${ms(m)} (p90 ${ms(p90)}, ${ms(min)}–${ms(max)}, n=${n})${fail}`;
}

export function table(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function ratio(x: Series | undefined, y: Series | undefined): string {
  const a = median(x);
  const b = median(y);
  return a === undefined || b === undefined ? '–' : (a / b).toFixed(2);
}

export interface ReportSection {
  title: string;
  details: string;
}

export function render(
  header: { date: string; machine: Record<string, unknown>; runs: number; durationS: number },
  headlines: Headline[],
  sections: ReportSection[],
): string {
  const out: string[] = [];
  out.push(`## provdisc bench: ${header.date}`, '');
  out.push(
    `Machine: ${Object.entries(header.machine)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join('; ')}`,
    '',
  );
  out.push(
    `Bench run time: ${header.durationS.toFixed(0)} s. Medians in ms over ${header.runs} runs per series unless n says otherwise (p90, min–max); failed runs are left out of the figures and counted.`,
  );
  out.push('', '### Issue 7 figures beside their anchors (same run)', '');
  out.push(
    table(
      ['figure', 'provdisc', 'anchor', 'target', 'verdict'],
      headlines.map((h) => [h.figure, h.provdisc, h.anchor, h.target, h.met === undefined ? '–' : h.met ? 'met' : '**not met**']),
    ),
  );
  sections.forEach((s, i) => out.push('', `### ${i + 1}. ${s.title}`, '', s.details));
  return out.join('\n');
}
