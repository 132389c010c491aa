/**
 * One part of `npm run bench`. bench/run.ts runs every section of its SECTIONS list in order, in
 * one namespace lab, and puts each section's headline rows (a provdisc figure beside its anchor
 * from the same run) in the table at the top of the report, its details below.
 *
 * Adding a section (DHCP, HTTP…): write bench/sections/NAME.ts exporting a BenchSection, add it to
 * SECTIONS in bench/run.ts. A section stops everything it starts in the lab before it returns; one
 * that needs another topology makes its own lab with createLab() and closes it.
 */
import type { LabHost } from '../test/lab/host.js';
import type { Peer } from '../test/lab/requirements.js';

export interface BenchContext {
  /** Host a of the `pair` lab: the responder or server side. */
  readonly server: LabHost;
  /** Host b, on the same link: the clients. */
  readonly client: LabHost;
  /** Runs per series (BENCH_RUNS, default 20). */
  readonly runs: number;
  log(message: string): void;
}

/** One row of the headline table: provdisc's figure and its anchor, both from this run. */
export interface Headline {
  figure: string;
  provdisc: string;
  anchor: string;
  target: string;
  /** undefined: the figure has no target, or one side has no figure. */
  met: boolean | undefined;
}

export interface BenchSection<R = unknown> {
  /** Key of the section's raw figures in the results JSON. */
  readonly id: string;
  readonly title: string;
  /** Peer programs the section needs (test/lab/requirements.ts names), checked before anything runs. */
  readonly peers: readonly Peer[];
  run(ctx: BenchContext): Promise<R>;
  headlines(result: R): Headline[];
  /** Markdown: the section's tables and what they time. */
  details(result: R): string;
}
