/**
 * The URI as option 224 carries it. Jitsi's dhcp4java keeps one instance per option code and does not
 * join split options (RFC 3396), so a URI that needs two instances reaches it cut; dnsmasq refuses such
 * a value too. Hence one hard limit, checked before any socket opens or file is written.
 */
import { parseTemplate } from '../template/template.js';
import { setting, UsageError, type WarningSink } from '../util/errors.js';

export const DHCP_OPTION_MAX_BYTES = 255;

/** The template, validated, as the bytes of option 224 (UTF-8, no NUL: Jitsi keeps every byte). */
export function uriOptionBytes(template: string, warn?: WarningSink): Buffer {
  const bytes = Buffer.from(template, 'utf8');
  if (bytes.length > DHCP_OPTION_MAX_BYTES) {
    throw new UsageError(
      `the URI template is ${bytes.length} bytes; DHCP option 224 holds at most ${DHCP_OPTION_MAX_BYTES} and Jitsi cannot join an option split in parts`,
      `shorten it by ${bytes.length - DHCP_OPTION_MAX_BYTES} bytes (fewer or shorter parameters, a shorter host or path); Bonjour has no such limit (${setting('via')} bonjour)`,
      'template-too-long',
    );
  }
  parseTemplate(template, warn, { txt: false });
  return bytes;
}
