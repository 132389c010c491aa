/**
 * What every responder advertises: the example of Jitsi's provisioning guide (the seed document),
 * as a provdisc template and as the guide's Avahi service file.
 */
export const TEMPLATE =
  'https://www.example.org/provisioning.php?username=${username}&password=${password}&osname=${osname}&build=${build}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&uuid=${uuid}&arch=${arch}';

/** The TXT strings of the guide's service file, in its order. */
export const SEED_TXT = [
  'path=https://www.example.org/provisioning.php',
  'username=${username}',
  'password=${password}',
  'osname=${osname}',
  'build=${build}',
  'ipaddr=${ipaddr}',
  'hwaddr=${hwaddr}',
  'uuid=${uuid}',
  'arch=${arch}',
];

/**
 * The guide's provisioning.service without `<host-name>`: the provisioning host is the Avahi host
 * itself, whose own name and addresses Avahi publishes (a hosts-file entry for its own address
 * would be refused).
 */
export const SEED_AVAHI_SERVICE = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Provisioning URL</name>
  <service protocol="any">
    <type>_https._tcp</type>
    <port>443</port>
${SEED_TXT.map((t) => `    <txt-record>${t}</txt-record>`).join('\n')}
  </service>
</service-group>
`;
