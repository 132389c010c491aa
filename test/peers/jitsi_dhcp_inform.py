"""Asks for the provisioning URI over DHCP exactly as Jitsi's DHCPProvisioningDiscover (dhcp4java) does.

Written from the client's behaviour, independently of provdisc's codec: one UDP socket bound to
*:6768 with SO_BROADCAST; one random xid for the whole discovery; for every non-loopback IPv4
address of every interface a DHCPINFORM (op 1, htype 1, hlen 6, hops 0, secs 0, flags 0,
ciaddr = that address, chaddr = the interface's MAC, options 53 = 8 and 55 = [224], end, zero
padding to 300 bytes) to 255.255.255.255:6767; sent once, then resent twice 1-2 s apart; waits up
to the timeout for the first packet with the xid that carries option 224 and takes its bytes
as the URI, untrimmed (dhcp4java keeps one instance per code: a split option is not joined).

Prints one JSON line: uri (null when nothing came), source, elapsedMs (first send to the reply),
xid, sent (INFORMs handed to the kernel), sendErrors (like Java's, logged and skipped).
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import time

MAGIC = b'\x63\x82\x53\x63'


def ipv4_addresses():
    """(interface, address, mac) for every non-loopback IPv4 address, as NetworkInterface lists them."""
    out = []
    for name in sorted(os.listdir('/sys/class/net')):
        if name == 'lo':
            continue
        try:
            with open(f'/sys/class/net/{name}/address') as f:
                mac = bytes.fromhex(f.read().strip().replace(':', ''))
        except (OSError, ValueError):
            mac = b''
        with os.popen(f'ip -4 -o addr show dev {name}') as p:
            for line in p:
                fields = line.split()
                address = fields[fields.index('inet') + 1].split('/')[0]
                out.append((name, address, mac))
    return out


def inform(xid: int, ciaddr: str, mac: bytes) -> bytes:
    header = struct.pack('!BBBBIHH4s4s4s4s16s64s128s',
                         1, 1, 6, 0, xid, 0, 0,
                         socket.inet_aton(ciaddr), bytes(4), bytes(4), bytes(4),
                         mac[:16].ljust(16, b'\0'), bytes(64), bytes(128))
    options = MAGIC + bytes([53, 1, 8, 55, 1, 224, 255])
    return (header + options).ljust(300, b'\0')


def option_224(packet: bytes):
    """The first option 224 of the options field, as dhcp4java reads one (None when absent)."""
    if len(packet) < 240 or packet[236:240] != MAGIC:
        return None
    i = 240
    while i < len(packet):
        code = packet[i]
        if code == 0:
            i += 1
            continue
        if code == 255 or i + 1 >= len(packet):
            return None
        length = packet[i + 1]
        if code == 224:
            return packet[i + 2:i + 2 + length]
        i += 2 + length
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--timeout', type=float, default=10.0)
    parser.add_argument('--server-port', type=int, default=6767)
    parser.add_argument('--client-port', type=int, default=6768)
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind(('0.0.0.0', args.client_port))
    xid = random.getrandbits(32)
    packets = [inform(xid, address, mac) for _, address, mac in ipv4_addresses()]
    sent, errors = 0, []

    def send_all():
        nonlocal sent
        for p in packets:
            try:
                sock.sendto(p, ('255.255.255.255', args.server_port))
                sent += 1
            except OSError as e:
                errors.append(str(e))

    started = time.perf_counter()
    deadline = started + args.timeout
    resends = [started + random.uniform(1, 2)]
    resends.append(resends[0] + random.uniform(1, 2))
    send_all()
    result = {'uri': None, 'source': None, 'elapsedMs': None}
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        if resends and now >= resends[0]:
            resends.pop(0)
            send_all()
        wait_until = min([deadline] + resends[:1])
        sock.settimeout(max(0.001, wait_until - now))
        try:
            data, source = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if len(data) < 8 or struct.unpack('!I', data[4:8])[0] != xid:
            continue
        uri = option_224(data)
        if uri is None:
            continue
        result = {'uri': uri.decode('utf-8', 'replace'), 'source': source[0],
                  'elapsedMs': round((time.perf_counter() - started) * 1000, 3)}
        break
    result.update({'xid': f'{xid:08x}', 'sent': sent, 'sendErrors': errors})
    print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
