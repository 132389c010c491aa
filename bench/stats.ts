import { defined } from '../test/defined.js';
/** Order statistics for a set of timings or sizes. */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

/** Value at quantile `q` (0…1), interpolated between the two nearest ranks. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return defined(sorted[low]) + (defined(sorted[high]) - defined(sorted[low])) * (at - low);
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('no samples to summarize');
  const sorted = [...values].sort((x, y) => x - y);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    min: defined(sorted[0]),
    max: defined(sorted.at(-1)),
  };
}

/** Wall-clock time in ms with sub-ms precision, comparable across processes on this machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
