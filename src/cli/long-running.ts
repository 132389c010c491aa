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

/**
 * For advertise over Bonjour alone: no TurboFan, V8's optimising compiler. Its compiled code and the node binary's
 * compiler pages it brings in were most of what the advertiser's resident memory gained under
 * queries (bench: +15.2 MB over bare node after 10 000 queries with it, +8.8 MB without, flat after);
 * an answer is now a few cached look-ups (bonjour/answer-plan.ts), so baseline code answers it in
 * fewer instructions than TurboFan spends compiling it (callgrind, per question: 154k without, 173k
 * with; the bare Node floor 41k), with no turnaround difference on the wire. V8 reads the flag each
 * time it considers optimising a function, so it takes effect when set at run time (checked with
 * %GetOptimizationStatus). Not with the DHCP method: under an INFORM flood from one host the responder
 * must read its socket as fast as the flood comes, or the kernel drops other clients' INFORMs with
 * the flood's; with TurboFan it kept up better (lab: another host's look-up needed a resend in 11 of
 * 51 tries, none unanswered; without, 10 of 27, one unanswered). docs/benchmark.md has the figures.
 */
export function withoutOptimizingCompiler(): void {
  setFlagsFromString('--no-opt');
}
