"""Publishes one DNS-SD service with python-zeroconf and keeps it up until SIGTERM/SIGINT.

TXT strings are given in wire order and sent as-is (no dict reordering). With --rogue the name is
claimed without probing, like a responder that does not follow RFC 6762 section 8.
Prints `registered NAME` once announced, `unregistered` after the goodbye.
"""
import argparse
import signal
import socket
import sys
import threading

from zeroconf import IPVersion, ServiceInfo, Zeroconf


def text_bytes(strings: list) -> bytes:
    out = bytearray()
    for s in strings:
        raw = s.encode('utf-8')
        if len(raw) > 255:
            raise SystemExit(f'TXT string longer than 255 bytes: {s[:40]}...')
        out.append(len(raw))
        out += raw
    return bytes(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--address', required=True, help='IPv4 address to bind and to advertise')
    parser.add_argument('--type', default='_https._tcp.local.')
    parser.add_argument('--name', default='Provisioning URL')
    parser.add_argument('--server', required=True, help='SRV target, e.g. provisioning.local.')
    parser.add_argument('--port', type=int, default=443)
    parser.add_argument('--txt', action='append', default=[], help='one TXT string; repeat, in wire order')
    parser.add_argument('--rogue', action='store_true', help='claim the name without probing')
    args = parser.parse_args()

    info = ServiceInfo(
        args.type,
        f'{args.name}.{args.type}',
        port=args.port,
        properties=text_bytes(args.txt),
        server=args.server,
        addresses=[socket.inet_aton(args.address)],
    )
    zc = Zeroconf(interfaces=[args.address], ip_version=IPVersion.V4Only)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        if args.rogue:
            zc.register_service(info, allow_name_change=False, cooperating_responders=True)
        else:
            zc.register_service(info, allow_name_change=False)
        print(f'registered {info.name}', flush=True)
        done.wait()
        zc.unregister_service(info)
        print('unregistered', flush=True)
    finally:
        zc.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
