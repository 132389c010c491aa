/**
 * Text from the network (a rogue's TXT, a DHCP server's option 224) shown to a person: C0 and C1
 * control characters and DEL would move the cursor, clear the screen or forge lines on a terminal,
 * so they are shown as \xNN. JSON output needs none of this (JSON.stringify escapes what it must).
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
