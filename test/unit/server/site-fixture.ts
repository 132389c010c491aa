import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A directory holding a site file and the files it names; `files` maps names to contents. */
export function writeSite(files: Record<string, string | Buffer>): { dir: string; site: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-site-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return { dir, site: path.join(dir, 'site.ini') };
}

export const TEMPLATE = 'http://prov.example.org:8080/prov?username=${username}&password=${password}&osname=${osname}&hwaddr=${hwaddr}&uuid=${uuid}';

/** The seed's per-OS split: every client, Linux, and Windows (any version). */
export const OS_PROFILES = [
  '[profile common]',
  'properties = common.properties',
  '[profile linux]',
  'match.osname = Linux',
  'properties = linux.properties',
  '[profile windows]',
  'match.osname = Windows*',
  'properties = windows.properties',
];
