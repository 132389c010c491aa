/**
 * The ENCRYPTED_PASSWORD provdisc shows is the one a Jitsi client stores: checked against the JDK's
 * own JCE (the client's platform) running Jitsi's AESCrypto steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encryptJitsiPassword, jitsiCredentialsKey } from '../../src/client/encrypted-password.js';
import { jceEncryptPasswords } from '../lab/peers.js';
import { requirePeers } from '../lab/requirements.js';

const requirements = requirePeers(['jdk']);
const PASSWORDS = ['s3cret', '', 'correct horse battery staple', 'exactly16bytes!!', 'pässwörd ☎ 密码', 'x'.repeat(100)];

describe.skipIf(requirements.skip)(`ENCRYPTED_PASSWORD against the JDK's JCE${requirements.note}`, () => {
  beforeAll(() => requirements.assert());

  it('matches with no master password set (a single space, as Jitsi)', async () => {
    const jce = await jceEncryptPasswords(undefined, PASSWORDS);
    expect(PASSWORDS.map((p) => encryptJitsiPassword(p))).toEqual(jce);
    expect(jce[0]).not.toBe(jce[1]);
  });

  it('matches with a master password, ASCII or not (PBEKeySpec chars become UTF-8)', async () => {
    for (const master of ['hunter2', 'Ünïcødé ключ']) {
      const jce = await jceEncryptPasswords(master, PASSWORDS);
      const key = jitsiCredentialsKey(master);
      expect(
        PASSWORDS.map((p) => encryptJitsiPassword(p, key)),
        master,
      ).toEqual(jce);
      expect(jce).not.toEqual(await jceEncryptPasswords(undefined, PASSWORDS));
    }
  });
});
