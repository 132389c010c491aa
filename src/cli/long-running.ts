import { setFlagsFromString } from 'node:v8';

/**
 * For a command that runs until stopped (advertise). Under brisk allocation (a query flood) V8
 * doubles the young generation, up to 16 MB a semi-space, and keeps it: some 12 MB of resident
 * memory for objects that live a few microseconds. A growth factor of 1 keeps the semi-spaces at
 * their initial 1 MB; a scavenge of what is live in them takes well under a millisecond.
 * Set here, at run time, because `--max-semi-space-size` only works on node's command line (or
 * NODE_OPTIONS), which `provdisc` does not control; V8 reads the growth factor each time it
 * considers growing. docs/benchmark.md has the figures.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
