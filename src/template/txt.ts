import { UsageError, type WarningSink } from '../util/errors.js';

/** RFC 6763 §6.1: each TXT string is one length-prefixed byte run. */
export const TXT_STRING_MAX_BYTES = 255;
/** RFC 6763 §6.2: a TXT record SHOULD stay under 1300 bytes so the answer fits an Ethernet frame. */
export const TXT_RECORD_SHOULD_BYTES = 1300;
/**
 * RFC 6762 §17: an mDNS packet is at most 9000 bytes with IP/UDP headers; what remains after the
 * other records of an answer is a little under 8900 bytes for the TXT data.
 */
export const TXT_RECORD_MAX_BYTES = 8900;

/** Size of the TXT record's RDATA on the wire: a length byte plus the bytes of each string. */
export function txtRecordBytes(strings: readonly string[]): number {
  if (strings.length === 0) return 1; // RFC 6763 §6.1: an empty TXT record is one zero-length string
  return strings.reduce((sum, s) => sum + 1 + Buffer.byteLength(s, 'utf8'), 0);
}

/** Checks the limits RFC 6763 puts on TXT data; throws for what cannot be sent, warns for the rest. */
export function checkTxtSize(strings: readonly string[], warn?: WarningSink): void {
  for (const s of strings) {
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes > TXT_STRING_MAX_BYTES) {
      const key = s.split('=', 1)[0];
      throw new UsageError(
        `TXT string "${key}=…" is ${bytes} bytes; a TXT string holds at most ${TXT_STRING_MAX_BYTES}`,
        'shorten that parameter, or move the long part of the URL into the provisioning script',
        'template-too-long',
      );
    }
  }
  const total = txtRecordBytes(strings);
  if (total > TXT_RECORD_MAX_BYTES) {
    throw new UsageError(
      `the TXT record is ${total} bytes and cannot fit one mDNS packet (at most ${TXT_RECORD_MAX_BYTES})`,
      'use fewer or shorter parameters',
      'template-too-long',
    );
  }
  if (total > TXT_RECORD_SHOULD_BYTES && warn) {
    warn(
      `the TXT record is ${total} bytes; RFC 6763 asks for at most ${TXT_RECORD_SHOULD_BYTES} so the answer fits one Ethernet frame (some clients may miss it)`,
    );
  }
}

/** TXT strings to the byte runs dns-packet sends. */
export function encodeTxt(strings: readonly string[]): Buffer[] {
  return strings.length === 0 ? [Buffer.alloc(0)] : strings.map((s) => Buffer.from(s, 'utf8'));
}

/** Byte runs from the wire to strings, dropping the zero-length run of an empty record. */
export function decodeTxt(data: readonly (Buffer | string)[]): string[] {
  return data.map((d) => (typeof d === 'string' ? d : d.toString('utf8'))).filter((s) => s.length > 0);
}
