import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM } from './browser.js';
import { JMDNS_CLASSPATH, SYSTEM_PYTHON } from './peers.js';

/** What a lab test can depend on. */
export type Peer =
  'root' | 'netns' | 'avahi' | 'jmdns' | 'jdk' | 'zeroconf' | 'tshark' | 'dig' | 'dhcpd' | 'kea' | 'dnsmasq' | 'dhcrelay' | 'slapd' | 'postgres' | 'chromium';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Each check returns what is missing, naming the Debian package that provides it. */
const CHECKS: Record<Peer, () => string[]> = {
  root: () => (process.getuid?.() === 0 ? [] : ['root privileges (run the interop tests as root)']),
  netns: () => [
    ...(onPath('ip') ? [] : ['ip (package iproute2)']),
    ...['nsenter', 'unshare'].filter((c) => !onPath(c)).map((c) => `${c} (package util-linux)`),
  ],
  avahi: () => [
    ...(fs.existsSync('/usr/sbin/avahi-daemon') ? [] : ['avahi-daemon (package avahi-daemon)']),
    ...['avahi-browse', 'avahi-publish'].filter((c) => !onPath(c)).map((c) => `${c} (package avahi-utils)`),
    ...(onPath('dbus-daemon') ? [] : ['dbus-daemon (package dbus)']),
  ],
  jdk: () => ['java', 'javac'].filter((c) => !onPath(c)).map((c) => `${c} (package default-jdk-headless)`),
  jmdns: () => [
    ...CHECKS.jdk(),
    ...JMDNS_CLASSPATH.filter((jar) => !fs.existsSync(jar)).map((jar) => `${jar} (package ${jar.includes('jmdns') ? 'libjmdns-java' : 'libslf4j-java'})`),
  ],
  zeroconf: () =>
    spawnSync(SYSTEM_PYTHON, ['-c', 'import zeroconf'], { stdio: 'ignore' }).status === 0
      ? []
      : [`python zeroconf for ${SYSTEM_PYTHON} (package python3-zeroconf)`],
  tshark: () => (onPath('tshark') ? [] : ['tshark (package tshark)']),
  dig: () => (onPath('dig') ? [] : ['dig (package dnsutils)']),
  dhcpd: () => (fs.existsSync('/usr/sbin/dhcpd') ? [] : ['dhcpd (package isc-dhcp-server)']),
  kea: () => (fs.existsSync('/usr/sbin/kea-dhcp4') ? [] : ['kea-dhcp4 (package kea-dhcp4-server)']),
  dnsmasq: () => (fs.existsSync('/usr/sbin/dnsmasq') ? [] : ['dnsmasq (package dnsmasq-base)']),
  dhcrelay: () => (fs.existsSync('/usr/sbin/dhcrelay') ? [] : ['dhcrelay (package isc-dhcp-relay)']),
  postgres: () => [
    ...(fs.existsSync('/usr/lib/postgresql/15/bin/postgres') ? [] : ['PostgreSQL 15 (package postgresql)']),
    ...(onPath('setpriv') ? [] : ['setpriv (package util-linux)']),
  ],
  chromium: () => (fs.existsSync(CHROMIUM) ? [] : [`${CHROMIUM} (package chromium)`]),
  slapd: () => [
    ...['slapd', 'slapadd'].filter((c) => !fs.existsSync(`/usr/sbin/${c}`)).map((c) => `${c} (package slapd)`),
    ...(onPath('ldapsearch') ? [] : ['ldapsearch (package ldap-utils)']),
  ],
};

export interface Requirements {
  missing: string[];
  /** True when the suite should be skipped: something is missing and we are not in CI. */
  skip: boolean;
  /** Suffix for the suite title, so a skip says why. */
  note: string;
  /** For beforeAll: throws, naming the packages, when something is missing (in CI the run fails). */
  assert(): void;
}

/**
 * Checks the peers a test file needs. Outside CI a missing peer skips the suite with a visible
 * reason; under CI=true the suite runs and fails on `assert()`: a green CI must mean "tested".
 */
export function requirePeers(peers: Peer[]): Requirements {
  const missing = [...new Set(['root' as const, 'netns' as const, ...peers])].flatMap((peer) => CHECKS[peer]());
  const inCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
  const message = `missing: ${missing.join('; ')}`;
  const skip = missing.length > 0 && !inCi;
  if (skip) console.warn(`[interop] skipping: ${message}`);
  return {
    missing,
    skip,
    note: skip ? ` (skipped, ${message})` : '',
    assert() {
      if (missing.length > 0) throw new Error(`interop peers ${message}`);
    },
  };
}
