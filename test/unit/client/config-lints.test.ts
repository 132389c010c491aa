import { describe, expect, it } from 'vitest';
import { lintAnswer, type Lint } from '../../../src/client/answer-lints.js';
import { applyAnswer } from '../../../src/client/jitsi-rules.js';
import { parseProperties } from '../../../src/client/properties-file.js';

const SIP = 'net.java.sip.communicator.impl.protocol.sip';
const JABBER = 'net.java.sip.communicator.impl.protocol.jabber';

/** The findings on an answer applied to a configuration, as a client would apply it. */
function lint(answer: string, start: Record<string, string> = {}, masterPassword?: string): Lint[] {
  return lintAnswer(answer, applyAnswer(new Map(Object.entries(start)), parseProperties(answer)), {}, { masterPassword });
}
const find = (lints: Lint[], code: string) => lints.filter((l) => l.code === code);

describe('the catalog lints, on answers shaped like the sites that send them', () => {
  it('a misspelt key is a warning naming the key the client reads', () => {
    const lints = lint('net.java.sip.communicator.impl.gui.main.MainFrame.heigth=250\nnet.java.sip.communicator.impl.gui.main.call.HIDE_DAIL_BUTTON=true\n');
    expect(find(lints, 'unknown-key').map((l) => [l.level, l.line, l.message])).toEqual([
      [
        'warning',
        1,
        'net.java.sip.communicator.impl.gui.main.MainFrame.heigth is not a key the client reads: did you mean net.java.sip.communicator.impl.gui.main.MainFrame.height? (it is stored, and does nothing)',
      ],
      [
        'warning',
        2,
        'net.java.sip.communicator.impl.gui.main.call.HIDE_DAIL_BUTTON is not a key the client reads: did you mean net.java.sip.communicator.impl.gui.main.call.HIDE_DIAL_BUTTON? (it is stored, and does nothing)',
      ],
    ]);
  });

  it('a misspelt account key is compared with account keys', () => {
    const lints = lint(`${SIP}.acc1=acc1\n${SIP}.acc1.ACCOUNT_UID=SIP:alice@pbx.example.com\n${SIP}.acc1.SERVER_ADRESS=pbx.example.com\n`);
    expect(find(lints, 'unknown-key').map((l) => l.message)).toEqual([expect.stringContaining(`did you mean ${SIP}.acc1.SERVER_ADDRESS?`)]);
  });

  it('keys the client reads, ${system}. keys, and keys outside net.java.sip.communicator. are not unknown', () => {
    const lints = lint(
      [
        'net.java.sip.communicator.plugin.provisioning.MANDATORY=true',
        'net.java.sip.communicator.impl.gui.main.configforms.SHOW_OPTIONS_WINDOW=false',
        'impl.gui.main.account.ACCOUNT_CONFIG_DISABLED=true',
        '${system}.net.java.sip.communicator.whatever=1',
        'org.ice4j.ice.harvest.DISABLE_AWS_HARVESTER=true',
        'org.jitsi.impl.neomedia.audiosystem.pulseaudio.NOTIFY_DEVICE=alsa',
        'java.net.preferIPv6Addresses=false',
        `${SIP}.acc1=acc1`,
        `${SIP}.acc1.ACCOUNT_UID=SIP:alice@pbx.example.com`,
        `${SIP}.acc1.ENCRYPTION_PROTOCOL.ZRTP=0`,
        `${SIP}.acc1.Encodings.G722/8000=705`,
        `${JABBER}.acc2=acc2`,
        `${JABBER}.acc2.ACCOUNT_UID=Jabber:bob@example.com`,
        `${JABBER}.acc2.STUN1.ADDRESS=stun.example.com`,
        '',
      ].join('\n'),
    );
    expect(find(lints, 'unknown-key')).toEqual([]);
  });

  it('an account without its parent key is an error: the client does not load it', () => {
    const lints = lint(`${SIP}.acc1.ACCOUNT_UID=SIP:alice@pbx.example.com\n${SIP}.acc1.USER_ID=alice@pbx.example.com\n`);
    expect(find(lints, 'account-without-parent')).toEqual([
      {
        level: 'error',
        code: 'account-without-parent',
        line: 1,
        message: `the account ${SIP}.acc1 has no parent key: the client does not load it (its keys stay in the configuration, unused); add ${SIP}.acc1=acc1`,
      },
    ]);
    // the client's own configuration may already hold it
    expect(find(lint(`${SIP}.acc1.ACCOUNT_UID=SIP:alice@pbx.example.com\n`, { [`${SIP}.acc1`]: 'acc1' }), 'account-without-parent')).toEqual([]);
  });

  it('an account without ACCOUNT_UID is an error: the client stores it again at every provisioning', () => {
    const lints = lint(`${JABBER}.acc2=acc2\n${JABBER}.acc2.USER_ID=bob@example.com\n${JABBER}.acc2.SERVER_ADDRESS=example.com\n`);
    expect(find(lints, 'account-without-uid').map((l) => [l.level, l.line, l.message])).toEqual([
      [
        'error',
        1,
        `the account ${JABBER}.acc2 has no ACCOUNT_UID: the client cannot find it again and stores it anew under a new acc<millis> node at every provisioning (one more copy each time); add ${JABBER}.acc2.ACCOUNT_UID=Jabber:bob@example.com`,
      ],
    ]);
  });

  it('PASSWORD: says how it is stored, and with which master password', () => {
    const answer = `${SIP}.acc1=acc1\n${SIP}.acc1.ACCOUNT_UID=SIP:alice@pbx.example.com\n${SIP}.acc1.PASSWORD=s3cret\n`;
    expect(find(lint(answer), 'password-encrypted')[0]?.message).toBe(
      `${SIP}.acc1.PASSWORD is not stored as sent: the client's credential store keeps it encrypted as ${SIP}.acc1.ENCRYPTED_PASSWORD, with the client's master password (a single space until its user sets one)`,
    );
    expect(find(lint(answer, {}, 'the master password from master.txt'), 'password-encrypted')[0]?.message).toMatch(
      /, with the master password from master\.txt$/,
    );
  });

  it('ALLOW_PREFIX drops the keys after it that it does not allow; ENFORCE_PREFIX taking back the account just sent is a warning', () => {
    const allow = lint(`provisioning.ALLOW_PREFIX=net.java.sip.communicator.impl.gui\n${SIP}.acc1=acc1\n`);
    expect(find(allow, 'not-allowed').map((l) => l.line)).toEqual([2]);
    const enforce = lint(
      `${SIP}.acc1=acc1\n${SIP}.acc1.ACCOUNT_UID=SIP:alice@pbx.example.com\nprovisioning.ENFORCE_PREFIX=net.java.sip.communicator.impl.gui|net.java.sip.communicator.UUID\n`,
    );
    expect(find(enforce, 'enforce-removes-account')).toEqual([
      {
        level: 'warning',
        code: 'enforce-removes-account',
        line: 3,
        message: `ENFORCE_PREFIX removes the account ${SIP}.acc1 this answer sent at line 1: the client never loads it; add ${SIP} to the prefixes`,
      },
    ]);
    expect(find(enforce, 'account-without-uid')).toEqual([]);
  });
});
