import { createRequire } from 'node:module';

/**
 * Loads a CommonJS (or dual) dependency with `require`. Node 20's ESM loader parses a CommonJS
 * package's source to find its exports, which roughly triples its load time and adds megabytes to
 * every `provdisc` start (dns-packet: 23 ms and 9 MB as an import, 8.5 ms and 0.7 MB required);
 * dependencies only one command needs are required where they are used, so the others never pay.
 */
export const requireCjs = createRequire(import.meta.url);
