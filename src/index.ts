/** The provdisc library: everything the CLI does, as typed functions. */
export { UsageError, type WarningSink } from './errors.js';
export * from './template.js';
export * from './txt.js';
