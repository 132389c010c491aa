/**
 * Text from the network (a rogue's TXT, a DHCP server's option 224, a client's form field) shown to
 * a person or written to a log. C0 and C1 control characters and DEL would move the cursor, clear
 * the screen or forge lines on a terminal, so they are shown as \xNN; U+2028 and U+2029 end a line
 * for editors, log viewers and JavaScript tooling, and the bidirectional marks, embeddings, overrides
 * and isolates (U+061C, U+200E–F, U+202A–E, U+2066–9) reorder what follows them on screen, so that a
 * column or a log line reads other than it is: all these are shown as \uNNNN.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding the control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/**
 * One JSON record per line. JSON.stringify escapes C0 controls but leaves U+2028 and U+2029 raw (JSON
 * allows them), and line-splitting tools then cut one record in two: they are written as escapes,
 * which every JSON parser reads back as the same character.
 */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`;
}
