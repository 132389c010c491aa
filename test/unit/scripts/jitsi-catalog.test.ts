import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog, DEFAULTS_FILE, type SourceTree } from '../../../scripts/jitsi-catalog/catalog.js';
import { CATALOG_FILE, generatorDigest, readTree } from '../../../scripts/jitsi-catalog.js';
import { tokenize } from '../../../scripts/jitsi-catalog/java-source.js';
import type { JitsiCatalog } from '../../../src/client/jitsi-catalog.js';

/** Snippets shaped like the client's own code, written for these tests. */
const FILES: Record<string, string> = {
  'modules/service/protocol/src/main/java/net/java/sip/communicator/service/protocol/ProtocolProviderFactory.java': `
    package net.java.sip.communicator.service.protocol;
    public abstract class ProtocolProviderFactory {
      public static final String PASSWORD = "PASSWORD";
      public static final String ACCOUNT_UID = "ACCOUNT_UID";
      public static final String STUN_PREFIX = "STUN";
      private static final String NOT_A_KEY = "a b";
    }`,
  'modules/impl/protocol-sip/src/main/java/net/java/sip/communicator/impl/protocol/sip/ProtocolProviderFactorySipImpl.java': `
    package net.java.sip.communicator.impl.protocol.sip;
    import net.java.sip.communicator.service.protocol.*;
    public class ProtocolProviderFactorySipImpl extends ProtocolProviderFactory {
      void f(AccountID id) { id.getAccountPropertyString("DTMF_METHOD"); id.getAccountPropertyBoolean(ProtocolProviderFactory.ACCOUNT_UID, true); }
    }`,
  'modules/impl/gui/src/main/java/net/java/sip/communicator/impl/gui/main/call/CallPanel.java': `
    package net.java.sip.communicator.impl.gui.main.call;
    import static net.java.sip.communicator.impl.gui.main.call.Keys.*;
    public class CallPanel {
      // "net.java.sip.communicator.in.a.Comment" is not read
      private static final String HIDE_DIAL_BUTON_PROP = "net.java.sip.communicator.impl.gui.main.call." + "HIDE_DIAL_BUTTON";
      void f(ConfigurationService cfg) {
        if (isButtonEnabled(HIDE_DIAL_BUTON_PROP)) {}
        cfg.getInt(FROM_INTERFACE, 10);
        cfg.getString(FAMILY + name + ".x");
        String home = System.getProperty("net.java.sip.communicator.SC_HOME_DIR_LOCATION");
        cfg.setProperty("net.java.sip.communicator.only.Written", "x");
      }
      private boolean isButtonEnabled(String buttonProp) { return !cfg.getBoolean(buttonProp, false); }
    }`,
  'modules/impl/gui/src/main/java/net/java/sip/communicator/impl/gui/main/call/Keys.java': `
    package net.java.sip.communicator.impl.gui.main.call;
    public interface Keys {
      String FROM_INTERFACE = "net.java.sip.communicator.impl.gui.main.call.\\u0043OUNT";
      String FAMILY = "net.java.sip.communicator.impl.gui.main.call.windows.";
    }`,
  'modules/plugin/desktoputil/src/main/java/net/java/sip/communicator/plugin/desktoputil/SIPCommFrame.java': `
    package net.java.sip.communicator.plugin.desktoputil;
    public class SIPCommFrame { void load() { String className = getClass().getName(); cfg.getString(className + ".width"); } }`,
  'modules/impl/gui/src/main/java/net/java/sip/communicator/impl/gui/main/MainFrame.java': `
    package net.java.sip.communicator.impl.gui.main;
    import net.java.sip.communicator.plugin.desktoputil.*;
    public class MainFrame extends SIPCommFrame {}`,
  [DEFAULTS_FILE]:
    'impl.gui.main.account.ADVANCED_CONFIG_DISABLED=false\nnet.java.sip.communicator.impl.gui.main.call.COUNT=3\n*net.java.sip.communicator.fixed.KEY=yes\n',
};

const tree = (files: Record<string, string>): SourceTree => ({
  repository: 'jitsi/jitsi',
  commit: '0'.repeat(40),
  files: Object.entries(files).map(([path, text]) => ({ path, text })),
});

describe('the catalog extractor, on snippets shaped like the client', () => {
  const catalog = buildCatalog(tree(FILES), undefined, 'digest');
  const keys = new Map(catalog.keys.map((k) => [k.key, k]));

  it('joins "a" + "b" and follows a helper that hands its parameter to getBoolean, with the helper call as the place read', () => {
    expect(keys.get('net.java.sip.communicator.impl.gui.main.call.HIDE_DIAL_BUTTON')).toEqual({
      key: 'net.java.sip.communicator.impl.gui.main.call.HIDE_DIAL_BUTTON',
      default: 'false',
      readAt: ['jitsi/jitsi/modules/impl/gui/src/main/java/net/java/sip/communicator/impl/gui/main/call/CallPanel.java:8'],
    });
  });

  it('resolves constants of a statically imported interface, \\u escapes included; the defaults file wins over the code default', () => {
    expect(keys.get('net.java.sip.communicator.impl.gui.main.call.COUNT')?.default).toBe('3');
    expect(keys.get('net.java.sip.communicator.impl.gui.main.call.COUNT')?.readAt).toHaveLength(2);
  });

  it('keeps a dynamic key as a family, and leaves out comments, system properties and writes', () => {
    expect(catalog.families.map((f) => f.key)).toEqual(['net.java.sip.communicator.impl.gui.main.call.windows.']);
    expect([...keys.keys()].filter((k) => /Comment|SC_HOME|Written/.test(k))).toEqual([]);
  });

  it('gives every window its size keys under its class name', () => {
    expect(keys.get('net.java.sip.communicator.impl.gui.main.MainFrame.width')?.readAt[0]).toMatch(/SIPCommFrame\.java:3$/);
  });

  it('takes short keys only from the defaults file, a leading * stripped', () => {
    expect(keys.get('impl.gui.main.account.ADVANCED_CONFIG_DISABLED')?.default).toBe('false');
    expect(keys.get('net.java.sip.communicator.fixed.KEY')?.default).toBe('yes');
  });

  it("finds account packages, ProtocolProviderFactory's keys and prefixes, and per-account reads", () => {
    expect(catalog.accountPackages.map((p) => p.key)).toEqual(['net.java.sip.communicator.impl.protocol.sip']);
    expect(catalog.accountKeys.map((k) => k.key)).toEqual(['ACCOUNT_UID', 'DTMF_METHOD', 'PASSWORD']);
    expect(catalog.accountKeys.find((k) => k.key === 'ACCOUNT_UID')?.default).toBe('true');
    expect(catalog.accountFamilies.map((k) => k.key)).toEqual(['STUN']);
  });

  it('tokenizes strings with escapes and skips block comments, counting lines', () => {
    expect(tokenize('/* a\n"b" */ x = "c\\"d" + \'"\';').map((t) => [t.kind, t.value, t.line])).toEqual([
      ['word', 'x', 2],
      ['punct', '=', 2],
      ['string', 'c"d', 2],
      ['punct', '+', 2],
      ['punct', ';', 2],
    ]);
  });
});

describe('the script reads a git copy as the client source is kept', () => {
  it('takes the .java files and the defaults file at HEAD, names the commit, and makes the same catalog', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-jitsi-src-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });
      git('init', '-q');
      for (const [file, text] of Object.entries({ ...FILES, 'README.md': 'not read\n' })) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      }
      git('add', '-A');
      git('commit', '-qm', 'snippets');
      writeFileSync(path.join(dir, DEFAULTS_FILE), 'uncommitted=1\n'); // a work tree's edits do not count
      const read = readTree(dir, 'jitsi/jitsi');
      expect(read.commit).toBe(git('rev-parse', 'HEAD').trim());
      expect(read.files.map((f) => f.path).sort()).toEqual(Object.keys(FILES).sort());
      expect(buildCatalog(read, undefined, 'digest')).toEqual({
        ...buildCatalog(tree(FILES), undefined, 'digest'),
        sources: [{ repository: 'jitsi/jitsi', commit: read.commit }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the committed catalog (jitsi/catalog.json)', () => {
  const committed = JSON.parse(readFileSync(CATALOG_FILE, 'utf8')) as JitsiCatalog;

  it('was made by this version of the extractor (regenerate it with scripts/jitsi-catalog.ts after changing it)', () => {
    expect(committed.generator).toBe(generatorDigest());
  });

  it('names the commits it came from and holds the keys the lints and docs rely on', () => {
    expect(committed.sources.map((s) => s.repository)).toEqual(['jitsi/jitsi', 'jitsi/libjitsi']);
    expect(committed.namespaces).toEqual(['net.java.sip.communicator.']);
    for (const s of committed.sources) expect(s.commit).toMatch(/^[0-9a-f]{40}$/);
    const keys = new Set(committed.keys.map((k) => k.key));
    for (const k of [
      'net.java.sip.communicator.impl.gui.main.MainFrame.height',
      'net.java.sip.communicator.plugin.provisioning.MANDATORY',
      'net.java.sip.communicator.impl.gui.main.call.HIDE_DIAL_BUTTON',
    ])
      expect(keys).toContain(k);
    expect(committed.keys.filter((k) => k.key.startsWith('net.java.sip.communicator.impl.gui.main.call.HIDE_') && k.key.endsWith('_BUTTON'))).toHaveLength(12);
    expect(committed.accountKeys.map((k) => k.key)).toEqual(expect.arrayContaining(['ACCOUNT_UID', 'USER_ID', 'SERVER_ADDRESS', 'PASSWORD']));
  });
});
