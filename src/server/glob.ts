/**
 * `*` matches any run of characters (none included); every other character only itself, case as
 * written. Patterns come from the site, text from the client (up to the body limit): a RegExp of
 * `.*` backtracks polynomially on patterns like `*-*x`, this two-pointer walk with one resume point
 * (the last star) stays within O(text × pattern) and needs no stack.
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  /** The last star seen, and where in the text its run would grow on a mismatch. */
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = t;
    } else if (c !== undefined && c === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
