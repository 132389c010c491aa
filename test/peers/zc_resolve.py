"""Resolves one DNS-SD instance with python-zeroconf, the way a typical Python client would.

Prints one JSON line per look-up: found, name, server, port, addresses, txt (strings in wire
order), elapsedMs (time spent in ServiceInfo.request, a fresh Zeroconf each time so no cache helps).
"""
import argparse
import json
import socket
import sys
import time

from zeroconf import IPVersion, ServiceInfo, Zeroconf


def txt_strings(text: bytes) -> list:
    """The TXT record's character-strings, each prefixed by its length on the wire."""
    strings, i = [], 0
    while i < len(text):
        length = text[i]
        strings.append(text[i + 1 : i + 1 + length].decode('utf-8', 'replace'))
        i += 1 + length
    return strings


def look_up(args) -> dict:
    zc = Zeroconf(interfaces=[args.address], ip_version=IPVersion.V4Only)
    try:
        full_name = f'{args.name}.{args.type}'
        info = ServiceInfo(args.type, full_name)
        started = time.perf_counter()
        found = info.request(zc, args.timeout)
        elapsed = (time.perf_counter() - started) * 1000
        result = {'found': bool(found), 'name': info.name, 'elapsedMs': round(elapsed, 3)}
        if found:
            result.update(
                server=info.server,
                port=info.port,
                addresses=[socket.inet_ntop(socket.AF_INET6 if len(a) == 16 else socket.AF_INET, a) for a in info.addresses],
                txt=txt_strings(info.text or b''),
            )
        return result
    finally:
        zc.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--address', required=True, help='IPv4 address of the interface to use')
    parser.add_argument('--type', default='_https._tcp.local.')
    parser.add_argument('--name', default='Provisioning URL')
    parser.add_argument('--timeout', type=int, default=3000, help='milliseconds per look-up')
    parser.add_argument('--repeat', type=int, default=1, help='look-ups to make, each with a fresh Zeroconf')
    args = parser.parse_args()
    all_found = True
    for _ in range(args.repeat):
        result = look_up(args)
        all_found = all_found and result['found']
        print(json.dumps(result), flush=True)
    return 0 if all_found else 2


if __name__ == '__main__':
    sys.exit(main())
