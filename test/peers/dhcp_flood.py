"""Floods UDP 6767 from one host: Jitsi-style INFORMs (a new xid each) mixed with malformed packets
(truncated, a lying option length, random bytes, a bad overload), as fast as it can for --seconds.

Sent from a socket bound to --address (so the broadcast leaves that address's interface without a
route). Prints one JSON line: informs and malformed packets sent.
"""
import argparse
import json
import os
import random
import socket
import struct
import time

MAGIC = b'\x63\x82\x53\x63'


def inform(xid: int, ciaddr: str) -> bytes:
    header = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, 0, socket.inet_aton(ciaddr),
                         bytes(4), bytes(4), bytes(4), bytes.fromhex('020000000001').ljust(16, b'\0'), bytes(64), bytes(128))
    return (header + MAGIC + bytes([53, 1, 8, 55, 1, 224, 255])).ljust(300, b'\0')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--address', required=True)
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--port', type=int, default=6767)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind((args.address, 0))
    good = inform(1, args.address)
    bad = [
        good[:100],                                   # shorter than the header
        good[:240] + bytes([224, 200, 1, 2, 3]),      # option length past the end
        os.urandom(300),                              # no cookie
        good[:240] + bytes([52, 1, 9, 255]),          # overload 9
        good[:240] + bytes([53]),                     # code without length
    ]
    informs = malformed = 0
    deadline = time.monotonic() + args.seconds
    i = 0
    while time.monotonic() < deadline:
        i += 1
        try:
            if i % 4 == 0:
                sock.sendto(bad[i % len(bad)], ('255.255.255.255', args.port))
                malformed += 1
            else:
                sock.sendto(inform(random.getrandbits(32), args.address), ('255.255.255.255', args.port))
                informs += 1
        except OSError:
            time.sleep(0.0005)  # the queue is full: the flood goes on as fast as the link takes it
    print(json.dumps({'informs': informs, 'malformed': malformed}), flush=True)


if __name__ == '__main__':
    main()
