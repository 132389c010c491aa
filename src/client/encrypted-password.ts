/**
 * What a Jitsi client stores for a provisioned `X.PASSWORD` (CredentialsStorageServiceImpl +
 * AESCrypto): `X.ENCRYPTED_PASSWORD` = Base64(AES/ECB/PKCS5Padding(UTF-8 password)), with the key
 * PBKDF2WithHmacSHA1(master password, a fixed salt, 1024 iterations, 256 bits). With no master
 * password set the client uses a single space, so the stored value is the same on every client.
 * Java's PBEKeySpec takes the master password as chars and SunJCE's PBKDF2 feeds them to HMAC as
 * UTF-8, which is what node's pbkdf2 does with a string.
 */
import { createCipheriv, pbkdf2Sync } from 'node:crypto';

/** AESCrypto.SALT */
export const JITSI_CREDENTIALS_SALT = Buffer.from([0x0c, 0x0a, 0x0f, 0x0e, 0x0b, 0x0e, 0x0e, 0x0f]);
export const JITSI_CREDENTIALS_ITERATIONS = 1024;
/** The master password a client uses until its user sets one. */
export const JITSI_DEFAULT_MASTER_PASSWORD = ' ';

/** The AES key a client derives from its master password. */
export function jitsiCredentialsKey(masterPassword: string = JITSI_DEFAULT_MASTER_PASSWORD): Buffer {
  return pbkdf2Sync(masterPassword, JITSI_CREDENTIALS_SALT, JITSI_CREDENTIALS_ITERATIONS, 32, 'sha1');
}

/** The `ENCRYPTED_PASSWORD` value a client stores for `password` (give the key of jitsiCredentialsKey). */
export function encryptJitsiPassword(password: string, key: Buffer = jitsiCredentialsKey()): string {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]).toString('base64');
}
