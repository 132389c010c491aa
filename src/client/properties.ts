/**
 * What the provisioning server, `serve --check` and their tests take to read an answer, apply it and
 * check it, in one import: reading and writing is properties-file.ts, Jitsi's rules jitsi-rules.ts,
 * the findings answer-lints.ts.
 */
export { parseProperties, toConfiguration, type PropertyLine } from './properties-file.js';
export { applyAnswer, NULL_VALUE } from './jitsi-rules.js';
export { lintAnswer } from './answer-lints.js';
