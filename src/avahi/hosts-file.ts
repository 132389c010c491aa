/**
 * Avahi's static hosts file (/etc/avahi/hosts): `ADDRESS NAME` per line, `#` starts a comment. Read
 * the way avahi-daemon's static-hosts.c reads it: a line with a missing name or extra words stops the
 * daemon from reading the rest of the file.
 */

/** The comment the Jitsi provisioning guide puts above the line; a new file starts with it. */
export const HOSTS_FILE_HEADER = '# enter the IP address of the provisioning server\n';

export interface HostsEntry {
  readonly address: string;
  readonly name: string;
  /** 1-based. */
  readonly line: number;
}

export interface HostsFile {
  readonly entries: readonly HostsEntry[];
  /** The first line Avahi stops at, if any: every entry after it is ignored. */
  readonly stop: { readonly line: number; readonly reason: string } | undefined;
}

export function hostsLine(address: string, name: string): string {
  return `${address} ${name}`;
}

function words(line: string): string[] {
  const content = line.replace(/#.*$/, '').trim();
  return content === '' ? [] : content.split(/[ \t]+/);
}

export function parseHostsFile(text: string): HostsFile {
  const entries: HostsEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const w = words(lines[i] ?? '');
    if (w.length === 0) continue;
    if (w.length !== 2) {
      const reason = w.length === 1 ? 'an address without a name' : 'more than an address and one name';
      return { entries, stop: { line: i + 1, reason } };
    }
    entries.push({ address: w[0] ?? '', name: w[1] ?? '', line: i + 1 });
  }
  return { entries, stop: undefined };
}

/** Host names are compared ignoring case, as DNS does. */
export function lookupHost(file: HostsFile, name: string): HostsEntry | undefined {
  return file.entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
}

/**
 * The hosts file with exactly one line for `name`: the first existing line for it is replaced in
 * place, later ones removed (Avahi would publish the name twice); every other line is kept as is.
 */
export function upsertHostsLine(text: string | undefined, address: string, name: string): string {
  const line = hostsLine(address, name);
  if (text === undefined || text === '') return HOSTS_FILE_HEADER + line + '\n';
  const lines = text.split('\n');
  let replaced = false;
  const out = lines.flatMap((l) => {
    const w = words(l);
    if (w.length !== 2 || w[1]?.toLowerCase() !== name.toLowerCase()) return [l];
    if (replaced) return [];
    replaced = true;
    return [line];
  });
  if (replaced) return out.join('\n');
  return `${text}${text.endsWith('\n') ? '' : '\n'}${line}\n`;
}
