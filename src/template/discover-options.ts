/**
 * The settings every discovery method's discover function takes (Bonjour's, DHCP's), so that
 * `discoverVia` hands the same ones to each. In the template model, which every method imports,
 * because no method may import another.
 */
export interface MethodDiscoverOptions {
  /** How long to wait at most (ms); default 3000. */
  readonly timeoutMs?: number | undefined;
  readonly interfaces?: readonly string[] | undefined;
  /** Wait the whole timeout and return every answer, instead of the first. */
  readonly all?: boolean | undefined;
}
