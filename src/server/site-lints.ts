/**
 * What `serve --check` finds in a site: each profile's keys against the catalog of keys the Jitsi
 * client reads (every profile, whether the form given matches it or not), and every finding on the
 * answer a client posting that form would get.
 */
import { lintWithCatalog } from '../client/config-lints.js';
import { jitsiCatalog, type KeyCatalog } from '../client/jitsi-catalog.js';
import { applyAnswer, lintAnswer, parseProperties } from '../client/properties.js';
import type { Lint } from '../client/answer-lints.js';
import { buildAnswer, type Answer, type Form } from './answer.js';
import type { Account } from './accounts.js';
import type { Site } from './site.js';

export interface ProfileLints {
  readonly profile: string;
  /** The profile's properties file; the findings' lines are in it. */
  readonly file: string;
  readonly lints: readonly Lint[];
}

export interface SiteCheck {
  readonly answer: Answer;
  /** Findings on the answer for the form, lines in the answer. */
  readonly lints: readonly Lint[];
  readonly profiles: readonly ProfileLints[];
  /** Any error, in a profile or in the answer. */
  readonly failed: boolean;
}

/**
 * A profile applied on its own to a fresh client: its unknown keys, and its account blocks (an account
 * block belongs in one profile, parent key and ACCOUNT_UID included).
 */
function lintProfile(lines: Site['profiles'][number]['lines'], catalog: KeyCatalog): Lint[] {
  return lintWithCatalog(applyAnswer(new Map(), lines, { encryptPassword: () => '' }), catalog);
}

export interface SiteCheckOptions {
  /** The client's `[accounts]` record, for `${account.FIELD}` and `match.account`. */
  readonly account?: Account | undefined;
  readonly catalog?: KeyCatalog | undefined;
}

export function checkSite(site: Pick<Site, 'profiles' | 'scheme'>, form: Form, { account, catalog = jitsiCatalog() }: SiteCheckOptions = {}): SiteCheck {
  const answer = buildAnswer(site, form, account);
  const all = lintAnswer(answer.text, applyAnswer(new Map(), parseProperties(answer.text)), { answerInClear: site.scheme === 'http' }, { catalog });
  const profiles = site.profiles.map((p) => ({ profile: p.name, file: p.file, lints: lintProfile(p.lines, catalog) })).filter((p) => p.lints.length > 0);
  // what a profile already says about its own keys is not said again of the answer
  const said = new Set(profiles.flatMap((p) => p.lints.map((l) => `${l.code}\0${l.message}`)));
  const lints = all.filter((l) => !said.has(`${l.code}\0${l.message}`));
  const failed = [...all, ...profiles.flatMap((p) => p.lints)].some((l) => l.level === 'error');
  return { answer, lints, profiles, failed };
}
