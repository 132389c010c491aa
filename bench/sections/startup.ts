/**
 * Whole-command wall time, spawn to exit inside the client host, interleaved round by round with
 * node's own floor (`node -e ''`): issue 7 §4. An advertiser runs in the server host so that
 * `provdisc discover` finds something and exits as a user's would.
 */
import path from 'node:path';
import { REPO_ROOT } from '../../test/lab/host.js';
import { jsonLines, runInHost } from '../in-host.js';
import { cell, median, ms, series, table, type Series } from '../report.js';
import { startProvdisc } from '../responders.js';
import type { BenchSection } from '../section.js';
import { defined } from '../../test/defined.js';

const BIN = path.join(REPO_ROOT, 'bin/provdisc');
const FLOOR = "node -e ''";
const DISCOVER = 'provdisc discover';

export interface StartupResult {
  wallTime: Record<string, Series>;
  /**
   * Per round, each command's time minus the floor's in the same round: load that comes and goes
   * on a shared machine falls on both, so these spread less than the wall times themselves.
   */
  overFloor: Record<string, Series>;
}

export const startupSection: BenchSection<StartupResult> = {
  id: 'startup',
  title: 'Start-up: whole-command wall time (spawn to exit, inside the client host)',
  peers: [],

  async run(ctx) {
    const commands = [
      { label: FLOOR, argv: [process.execPath, '-e', ''] },
      { label: 'provdisc --version (commander and the entry, no command, no socket)', argv: [process.execPath, BIN, '--version'] },
      {
        label: 'import dist/bonjour/discover.js (the library, as tsc builds it)',
        argv: [process.execPath, '--input-type=module', '-e', `await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/bonjour/discover.js'))})`],
      },
      { label: DISCOVER, argv: [process.execPath, BIN, 'discover'] },
    ];
    const adv = await startProvdisc(ctx.server);
    try {
      ctx.log(`wall time: ${ctx.runs} interleaved rounds of ${commands.map((c) => c.label).join(', ')}`);
      const wall = await runInHost(ctx.client, 'wall-time.ts', ['--runs', String(ctx.runs), '--warmup', '2', '--spec', JSON.stringify(commands)], {
        timeoutMs: 60_000 + ctx.runs * 5_000,
      });
      const runs = jsonLines<{ label: string; warmup: boolean; elapsedMs: number; code: number | null }>(wall, 'wall-time');
      const measured = (label: string) => runs.filter((w) => w.label === label && !w.warmup);
      const wallTime: Record<string, Series> = {};
      const overFloor: Record<string, Series> = {};
      const floorRuns = measured(FLOOR);
      for (const { label } of commands) {
        wallTime[label] = series(measured(label).map((w) => ({ elapsedMs: w.elapsedMs, ok: w.code === 0 })));
        overFloor[label] = series(measured(label).map((w, round) => ({ elapsedMs: w.elapsedMs - defined(floorRuns[round]).elapsedMs, ok: w.code === 0 })));
      }
      return { wallTime, overFloor };
    } finally {
      await adv.stop();
    }
  },

  headlines(r) {
    const floor = median(r.wallTime[FLOOR]);
    const discover = median(r.wallTime[DISCOVER]);
    return [
      {
        figure: '`provdisc discover` wall time, spawn to exit, found (median ms)',
        provdisc: discover === undefined ? '–' : ms(discover),
        anchor: floor === undefined ? '–' : `\`node -e ''\` ${ms(floor)}`,
        target: '≤ floor + 20 ms',
        met: floor === undefined || discover === undefined ? undefined : discover - floor <= 20,
      },
    ];
  },

  details(r) {
    const floor = median(r.wallTime[FLOOR]);
    const rows = Object.entries(r.wallTime)
      .filter(([label]) => label !== FLOOR)
      .map(([label, s]) => {
        const m = median(s);
        return [label, cell(s), m === undefined || floor === undefined ? '–' : `+${ms(m - floor)}`, cell(r.overFloor[label])];
      });
    return [
      table(
        ['command', 'wall time (ms)', 'median − floor median', 'same-round difference to the floor (ms)'],
        [[FLOOR, cell(r.wallTime[FLOOR]), '', ''], ...rows],
      ),
      '',
      "The verdict uses the difference of the medians; the last column, each round's time minus the floor's in that round, shows how much of the spread is the machine's load.",
    ].join('\n');
  },
};
