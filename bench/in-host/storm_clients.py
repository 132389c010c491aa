"""The storm's clients: one process, one socket per client host, every client on one event loop.

150 Python or Node processes would spend seconds of CPU just starting, on the cores the responder
needs. Instead this process (started inside one lab host) opens each client's sockets inside that
client's own network namespace (setns on /run/netns/NAME, open, switch back: a socket keeps the
namespace it was made in) and runs every client on one asyncio loop, each starting at its own
moment spread over `spreadMs`, as a building's Jitsi clients do at 9:00.

Modes (one JSON config file as argv[1]; one JSON line per client on stdout, then {"done": true}):
- mdns: a JmDNS-style look-up: SRV+TXT for the instance by QM, three times 225 ms apart; found when
  SRV, TXT and an address of the SRV target arrived within 675 ms of the first question. Listening
  goes on to 3 s to time late answers.
- dhcp: Jitsi's INFORM (test/peers/jitsi_dhcp_inform.py's bytes) from *:6768 to
  255.255.255.255:6767, resent twice 1-2 s apart, waiting up to 10 s for option 224.
- whole: even clients discover by mDNS, odd ones by DHCP, as above; then the URL is built as Jitsi
  builds it, its placeholders filled, and the query POSTed as a form over TLS (10 s timeout);
  provisioned = 200 whose body holds `expect` with the user's name.
`busy` (any mode): that many logins kept in flight from the first client host for the whole storm.
"""
import asyncio
import ctypes
import json
import os
import random
import socket
import ssl
import struct
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'peers'))
from jitsi_dhcp_inform import inform, option_224  # noqa: E402

CLONE_NEWNET = 0x40000000
GROUP = '224.0.0.251'
GAP_S = 0.225
QUESTIONS = 3
WINDOW_S = GAP_S * QUESTIONS
LATE_S = 3.0
HTTP_TIMEOUT_S = 10.0
DHCP_TIMEOUT_S = 10.0

libc = ctypes.CDLL(None, use_errno=True)
HOME_NS = os.open('/proc/self/ns/net', os.O_RDONLY)


def assert_lab_netns(clients):
    """Ground rule 1: this process starts in, and switches back to, a lab namespace; clients are lab hosts."""
    own = os.stat('/proc/self/ns/net').st_ino
    labs = {os.stat(f'/run/netns/{n}').st_ino for n in os.listdir('/run/netns') if n.startswith('pd-')}
    if own not in labs or any(not c['ns'].startswith('pd-') for c in clients):
        sys.exit('storm_clients.py runs inside a lab namespace (pd-…), for lab hosts only')


def in_namespace(ns, make):
    fd = os.open(f'/run/netns/{ns}', os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f'setns {ns}')
        return make()
    finally:
        os.close(fd)
        libc.setns(HOME_NS, CLONE_NEWNET)


def read_name(buf, off):
    labels, jumped, end = [], False, off
    for _ in range(128):
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off, jumped = ((n & 0x3F) << 8) | buf[off + 1], True
            continue
        if n == 0:
            return '.'.join(labels).lower(), (end if jumped else off + 1)
        labels.append(buf[off + 1:off + 1 + n].decode('utf-8', 'replace'))
        off += 1 + n
    raise ValueError('name loop')


def records(buf):
    """(name, type, rdata offset, rdata length, ttl) of the answer and additional sections."""
    qd, an, ns, ar = struct.unpack('!HHHH', buf[4:12])
    off = 12
    for _ in range(qd):
        off = read_name(buf, off)[1] + 4
    out = []
    for _ in range(an + ns + ar):
        name, off = read_name(buf, off)
        rtype, _cls, ttl, rdlen = struct.unpack('!HHIH', buf[off:off + 10])
        off += 10
        out.append((name, rtype, off, rdlen, ttl))
        off += rdlen
    return out


def mdns_query(instance):
    def q(rtype):
        return b''.join(bytes([len(p)]) + p.encode() for p in instance.split('.')) + b'\0' + struct.pack('!HH', rtype, 1)

    return struct.pack('!HHHHHH', 0, 0, 2, 0, 0, 0) + q(33) + q(16)


class MdnsLookup(asyncio.DatagramProtocol):
    """One JmDNS-style look-up on its own socket."""

    def __init__(self, instance):
        self.instance = instance.lower()
        self.srv = None
        self.txt = None
        self.addresses = {}
        self.done = asyncio.get_running_loop().create_future()
        self.t0 = None
        self.completed_at = None

    def datagram_received(self, data, addr):
        # JmDNS opens its socket when the client starts: what came before (answers to others) is unseen
        if self.t0 is None or len(data) < 12 or not data[2] & 0x80 or self.completed_at is not None:
            return
        try:
            for name, rtype, off, rdlen, ttl in records(data):
                if ttl == 0:
                    continue
                if rtype == 33 and name == self.instance:
                    self.srv = (read_name(data, off + 6)[0], struct.unpack('!H', data[off + 4:off + 6])[0])
                elif rtype == 16 and name == self.instance:
                    strings, i = [], off
                    while i < off + rdlen:
                        strings.append(data[i + 1:i + 1 + data[i]].decode('utf-8', 'replace'))
                        i += 1 + data[i]
                    self.txt = strings
                elif rtype == 1 and rdlen == 4:
                    self.addresses.setdefault(name, socket.inet_ntoa(data[off:off + 4]))
        except (IndexError, ValueError, struct.error):
            return
        if self.srv and self.txt is not None and self.srv[0] in self.addresses:
            self.completed_at = time.perf_counter()
            if not self.done.done():
                self.done.set_result(None)

    def url(self):
        """What Jitsi builds from JmDNS's ServiceInfo: the TXT path as base when it holds '://'."""
        props = [s.split('=', 1) for s in self.txt if '=' in s]
        path = next((v for k, v in props if k == 'path'), '/')
        base = path if '://' in path else f'https://{self.addresses[self.srv[0]]}:{self.srv[1]}{path}'
        rest = [f'{k}={v}' for k, v in props if k != 'path']
        return base + ('?' + '&'.join(rest) if rest else '')


class DhcpInform(asyncio.DatagramProtocol):
    def __init__(self, xid):
        self.xid = xid
        self.uri = None
        self.done = asyncio.get_running_loop().create_future()

    def datagram_received(self, data, addr):
        if len(data) < 8 or struct.unpack('!I', data[4:8])[0] != self.xid or self.done.done():
            return
        value = option_224(data)
        if value is not None:
            self.uri = value.decode('utf-8', 'replace')
            self.done.set_result(time.perf_counter())


async def open_udp(client, factory, bind, setup):
    loop = asyncio.get_running_loop()

    def make():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        setup(s)
        s.bind(bind)
        s.setblocking(False)
        return s

    sock = in_namespace(client['ns'], make)
    return await loop.create_datagram_endpoint(factory, sock=sock)


async def mdns(client, cfg, started):
    def setup(s):
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(GROUP) + socket.inet_aton(client['ipv4']))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(client['ipv4']))

    transport, look = await open_udp(client, lambda: MdnsLookup(cfg['instance']), ('0.0.0.0', 5353), setup)
    query = mdns_query(cfg['instance'])
    look.t0 = time.perf_counter()
    try:
        for i in range(QUESTIONS):
            transport.sendto(query, (GROUP, 5353))
            try:
                await asyncio.wait_for(asyncio.shield(look.done), GAP_S * (i + 1) - (time.perf_counter() - look.t0))
                break
            except asyncio.TimeoutError:
                pass
        if not look.done.done():
            try:
                await asyncio.wait_for(asyncio.shield(look.done), LATE_S - (time.perf_counter() - look.t0))
            except asyncio.TimeoutError:
                pass
    finally:
        transport.close()
    ms = None if look.completed_at is None else (look.completed_at - look.t0) * 1000
    found = ms is not None and ms <= WINDOW_S * 1000
    return {'via': 'bonjour', 'found': found, 'answeredMs': ms, 'url': look.url() if found else None}


async def dhcp(client, cfg, started):
    xid = random.getrandbits(32)
    packet = inform(xid, client['ipv4'], bytes.fromhex(client['mac'].replace(':', '')))

    def setup(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)

    transport, proto = await open_udp(client, lambda: DhcpInform(xid), ('0.0.0.0', 6768), setup)
    t0 = time.perf_counter()
    resend = [random.uniform(1, 2)]
    resend.append(resend[0] + random.uniform(1, 2))
    sent = 0
    try:
        for at in [0.0, *resend, DHCP_TIMEOUT_S]:
            if proto.done.done():
                break
            delay = at - (time.perf_counter() - t0)
            if delay > 0:
                try:
                    await asyncio.wait_for(asyncio.shield(proto.done), delay)
                    break
                except asyncio.TimeoutError:
                    pass
            if at < DHCP_TIMEOUT_S:
                transport.sendto(packet, ('255.255.255.255', 6767))
                sent += 1
    finally:
        transport.close()
    ms = (proto.done.result() - t0) * 1000 if proto.done.done() else None
    return {'via': 'dhcp', 'found': ms is not None, 'answeredMs': ms, 'informs': sent, 'url': proto.uri}


def fill(template, client, user):
    values = {'username': user['username'], 'password': user['password'], 'osname': 'Linux', 'arch': 'amd64', 'hwaddr': client['mac'],
              'ipaddr': client['ipv4'], 'hostname': client['ns'], 'uuid': client.get('uuid') or str(uuid.uuid4()), 'build': '2.10.5550'}
    out = template
    for k, v in values.items():
        out = out.replace('${' + k + '}', v)
    return out


async def post(client, url, ctx):
    """Jitsi's POST: the URL's query as a form, over TLS checked against the CA; (status, body)."""
    base, _, query = url.partition('?')
    form = urllib.parse.urlencode([tuple(p.split('=', 1)) if '=' in p else (p, '') for p in query.split('&') if p])
    u = urllib.parse.urlsplit(base)
    loop = asyncio.get_running_loop()

    def make():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        return s

    sock = in_namespace(client['ns'], make)
    try:
        await loop.sock_connect(sock, (u.hostname, u.port or 443))
    except BaseException:
        sock.close()
        raise
    reader, writer = await asyncio.open_connection(sock=sock, ssl=ctx, server_hostname=u.hostname)
    try:
        writer.write((f'POST {u.path or "/"} HTTP/1.1\r\nHost: {u.netloc}\r\nUser-Agent: Jitsi/2.10.5550\r\n'
                      f'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\nConnection: close\r\n\r\n{form}').encode())
        raw = await reader.read(-1)
    finally:
        writer.close()
    head, _, body = raw.partition(b'\r\n\r\n')
    status = int(head.split(b' ', 2)[1]) if head.startswith(b'HTTP/') else 0
    return status, body.decode('latin-1')


async def whole(client, cfg, started, ctx):
    found = await (mdns if client['index'] % 2 == 0 else dhcp)(client, cfg, started)
    if not found['found'] or not found['url']:
        return {**found, 'provisioned': False, 'status': None}
    user = cfg['users'][client['index'] % len(cfg['users'])]
    try:
        status, body = await asyncio.wait_for(post(client, fill(found['url'], client, user), ctx), HTTP_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as e:
        return {**found, 'provisioned': False, 'status': None, 'error': f'{type(e).__name__}: {e}'}
    ok = status == 200 and cfg['expect'].replace('${username}', user['username']) in body
    return {**found, 'provisioned': ok, 'status': status, 'provisionedMs': (time.perf_counter() - started) * 1000}


async def busy_logins(client, cfg, ctx, stop):
    """Logins kept in flight (`busy` at once) until `stop`: serve's HTTP side kept hashing."""
    counts = {'ok': 0, 'other': 0}
    url = fill(cfg['busyUrl'], client, cfg['busyUser'])

    async def one():
        while not stop.is_set():
            try:
                status, _ = await asyncio.wait_for(post(client, url, ctx), HTTP_TIMEOUT_S)
                counts['ok' if status == 200 else 'other'] += 1
            except (OSError, asyncio.TimeoutError, ssl.SSLError):
                counts['other'] += 1

    await asyncio.gather(*(one() for _ in range(cfg['busy'])))
    return counts


async def main():
    cfg = json.load(open(sys.argv[1]))
    assert_lab_netns(cfg['clients'])
    ctx = None
    if cfg.get('caFile'):
        ctx = ssl.create_default_context(cafile=cfg['caFile'])
    clients = cfg['clients']
    for i, c in enumerate(clients):
        c['index'] = i
    run = {'mdns': lambda c, s: mdns(c, cfg, s), 'dhcp': lambda c, s: dhcp(c, cfg, s), 'whole': lambda c, s: whole(c, cfg, s, ctx)}[cfg['mode']]
    stop = asyncio.Event()
    busy = asyncio.ensure_future(busy_logins(clients[0], cfg, ctx, stop)) if cfg.get('busy') else None
    if busy:
        await asyncio.sleep(cfg.get('busyWarmS', 1.0))
    t_base = time.perf_counter() + 0.05
    rng = random.Random(cfg.get('seed', 1))

    async def one(c):
        await asyncio.sleep(max(0.0, t_base + rng.uniform(0, cfg['spreadMs'] / 1000) - time.perf_counter()))
        started = time.perf_counter()
        try:
            result = await run(c, started)
        except Exception as e:  # a client that broke is reported, never hides the others
            result = {'found': False, 'error': f'{type(e).__name__}: {e}'}
        result.update({'ns': c['ns'], 'startMs': round((started - t_base) * 1000, 1)})
        print(json.dumps(result), flush=True)

    await asyncio.gather(*(one(c) for c in clients))
    summary = {'done': True}
    if busy:
        stop.set()
        summary['busy'] = await busy
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    asyncio.run(main())
