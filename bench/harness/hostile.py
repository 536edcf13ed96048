"""Malformed and hostile HTTP/1.1 requests over raw TCP, and what the server made of them.

Every case is (kind, bytes, may_succeed). `may_succeed` marks requests that are odd but legal
(garbage in a query string or Accept header of a real route), where 2xx is a correct answer;
for every other case a correct server answers 4xx or closes the connection. No case may get a 5xx.
"""

import asyncio
import random
import time
from collections import Counter

CRLF = b"\r\n"
HOST = b"Host: 127.0.0.1" + CRLF


def _bytes(rng, n, alphabet=None):
    if alphabet is None:
        return bytes(rng.randrange(256) for _ in range(n))
    return bytes(rng.choice(alphabet) for _ in range(n))


def _req(line, headers=HOST, body=b""):
    return line + CRLF + headers + b"Connection: close" + CRLF + CRLF + body


PRINTABLE = bytes(range(0x21, 0x7F))
NOT_TOKEN = b'()<>@,;:\\"/[]?={} \t\x00\x7f\xff'


def random_method(rng):
    method = _bytes(rng, rng.randint(1, 12), PRINTABLE + NOT_TOKEN + b"\x80\xfe")
    return "method", _req(method + b" /healthz HTTP/1.1"), False


def random_path(rng):
    path = b"/x-" + _bytes(rng, rng.randint(1, 200))
    return "path", _req(b"GET " + path.replace(b"\r", b"").replace(b"\n", b"") + b" HTTP/1.1"), False


def random_query(rng):
    query = _bytes(rng, rng.randint(1, 300), PRINTABLE)
    return "query", _req(b"GET /greeting/1?" + query.replace(b" ", b"+") + b" HTTP/1.1"), True


BAD_IDS = [
    b"%zz", b"%", b"%4", b"%C0%AF", b"%ff%fe", b"1%00", b"%00", b"0", b"-1", b"1.5", b"1e3", b"0x1",
    b"+1", b"%201", b"9223372036854775808", b"99999999999999999999999999", b"1;drop", b"%0a1",
    b"%E2%80%AE1", b"1/2", b"", b"%2e%2e", b"..", b"\xff", b"\xc3\x28", b"\xe2\x82",
]


def bad_id(rng):
    ident = rng.choice(BAD_IDS) if rng.random() < 0.7 else b"1" * rng.randint(20, 5000)
    return "bad-id", _req(b"GET /greeting/" + ident + b" HTTP/1.1"), False


def invalid_utf8(rng):
    junk = rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"])
    if rng.random() < 0.5:
        return "utf8-path", _req(b"GET /" + junk + b" HTTP/1.1"), False
    headers = HOST + b"Accept: text/" + junk + CRLF + b"User-Agent: " + junk + CRLF
    return "utf8-header", _req(b"GET /greeting/1 HTTP/1.1", headers), True


def oversized_headers(rng):
    """Beyond any sane header buffer (hyper's default is about 400 KiB): must be refused."""
    if rng.random() < 0.5:
        headers = HOST + b"X-Big: " + b"a" * rng.randint(512 * 1024, 1024 * 1024) + CRLF
    else:
        headers = HOST + b"".join(b"X-H%d: v" % i + CRLF for i in range(rng.randint(200, 2000)))
    return "oversized-headers", _req(b"GET /greeting/1 HTTP/1.1", headers), False


def large_header(rng):
    """16-256 KiB in one header: legal HTTP, but servers differ on where they draw the line
    (nginx 8 KiB, Go 1 MiB); reported, and 2xx is tolerated."""
    headers = HOST + b"X-Large: " + b"a" * rng.randint(16 * 1024, 256 * 1024) + CRLF
    return "large-header", _req(b"GET /greeting/1 HTTP/1.1", headers), True


def duplicated_headers(rng):
    choice = rng.randrange(4)
    if choice == 0:
        headers = HOST + b"Content-Length: 3" + CRLF + b"Content-Length: 7" + CRLF
        return "dup-content-length", _req(b"POST /greeting/1 HTTP/1.1", headers, b"abc"), False
    if choice == 1:
        headers = HOST + b"Transfer-Encoding: chunked" + CRLF + b"Content-Length: 4" + CRLF
        return "te-and-cl", _req(b"POST /greeting/1 HTTP/1.1", headers, b"zz" + CRLF), False
    if choice == 2:
        headers = HOST + b"Transfer-Encoding: chunked" + CRLF
        return "bad-chunk", _req(b"POST /greeting/1 HTTP/1.1", headers, b"zzz" + CRLF + b"abc" + CRLF), False
    accepts = b"".join(b"Accept: " + _bytes(rng, rng.randint(1, 40), PRINTABLE) + CRLF for _ in range(50))
    return "dup-accept", _req(b"GET /greeting/1 HTTP/1.1", HOST + accepts), True


BAD_LINES = [
    b"GET", b"GET /", b"GET / HTTP/9.9", b"GET / HTTP/1.1 extra", b"GET  /  HTTP/1.1", b"/ GET HTTP/1.1",
    b"HTTP/1.1 200 OK", b"GET http://[::1 HTTP/1.1", b"GET * HTTP/1.1", b"\x16\x03\x01\x02\x00\x01",
    b"PRI * HTTP/2.0", b"GET /\x00 HTTP/1.1", b"GET /%%%% HTTP/1.1", b"G\tET / HTTP/1.1",
]


def bad_request_line(rng):
    return "request-line", _req(rng.choice(BAD_LINES)), False


def missing_host(rng):
    # HTTP/1.1 requires Host, but hyper (like most servers) does not enforce it: 200 is tolerated.
    return "missing-host", b"GET /healthz HTTP/1.1" + CRLF + b"Connection: close" + CRLF + CRLF, True


GENERATORS = [
    random_method, random_path, random_query, bad_id, invalid_utf8, oversized_headers, large_header,
    duplicated_headers, bad_request_line, missing_host,
]


def stalled(rng):
    """A request cut off inside its headers: the client then sends nothing more."""
    return "stall", b"GET /greeting/1 HTTP/1.1" + CRLF + HOST + b"X-Slow: ", True


async def _send(host, port, payload, read_timeout, hold_s=0.0):
    """Send, then read the status line. Returns 'NNN', 'closed', 'reset', 'timeout' or 'held'."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, asyncio.TimeoutError):
        return "connect-failed"
    try:
        writer.write(payload)
        await writer.drain()
        timeout = hold_s if hold_s else read_timeout
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            return "closed"
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
            return parts[1].decode()
        return "garbage"
    except asyncio.TimeoutError:
        return "held" if hold_s else "timeout"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except OSError:
        return "reset"
    finally:
        writer.close()


def _acceptable(outcome, may_succeed):
    if outcome in ("closed", "reset", "held"):
        return True
    if outcome.isdigit():
        code = int(outcome)
        return 400 <= code < 500 or (may_succeed and code < 400)
    return False


async def run(host, port, count, seed, concurrency=64, stalls=50, stall_s=2.0, read_timeout=5.0):
    """Send `count` hostile requests plus `stalls` stalled ones (held open for stall_s)."""
    rng = random.Random(seed)
    cases = [rng.choice(GENERATORS)(rng) for _ in range(count)] + [stalled(rng) for _ in range(stalls)]
    rng.shuffle(cases)
    gate = asyncio.Semaphore(concurrency)
    outcomes, bad = Counter(), []

    async def one(kind, payload, may_succeed):
        hold = stall_s if kind == "stall" else 0.0
        if hold:  # stalls do not take a concurrency slot: they are meant to pile up
            outcome = await _send(host, port, payload, read_timeout, hold)
        else:
            async with gate:
                outcome = await _send(host, port, payload, read_timeout)
        outcomes[(kind, outcome)] += 1
        if not _acceptable(outcome, may_succeed):
            bad.append((kind, outcome, payload[:120]))

    started = time.monotonic()
    await asyncio.gather(*(one(*case) for case in cases))
    return {"outcomes": outcomes, "unacceptable": bad, "seconds": time.monotonic() - started}
