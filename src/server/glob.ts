/**
 * `*` matches any run of characters (none included); every other character only itself, case as
 * written. Patterns come from the site, text from the client: the pattern is cut at its stars into
 * literal pieces; the first must begin the text, the last end it, and each one between is taken at
 * its leftmost place after the one before (leftmost is always right when `*` is the only wildcard).
 * So no backtracking: a few `indexOf` scans (V8's Boyer-Moore), about linear in the text in practice
 * and never over text × pattern.
 */
export function globMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1] ?? '';
  const end = text.length - last.length;
  if (end < first.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
