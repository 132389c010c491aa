/**
 * The value, which must be there: a missing one throws at once, naming it, where a non-null
 * assertion would let the test go on to fail later with a TypeError somewhere else.
 */
export function defined<T>(value: T | null | undefined, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`expected a ${what}, got ${String(value)}`);
  return value;
}
