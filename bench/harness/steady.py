"""Steady open-loop load that records every request, for fault runs that need a timeline.

oha only reports totals; the chaos run needs to know *when* each error happened to find the
longest error burst and the time to recover. Rate 200 req/s from Python is far below what the
server can take, so the client never becomes the bottleneck being measured.
"""

import asyncio
import threading
import time
from collections import Counter

import aiohttp


class SteadyLoad:
    """Runs in a background thread: `rate` requests/s spread over `connections` workers."""

    def __init__(self, url, rate=200, connections=16, timeout_s=5.0):
        self.url, self.rate, self.connections, self.timeout_s = url, rate, connections, timeout_s
        self.records = []  # (start monotonic, latency s, outcome, retry_after present)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _worker(self, session, offset):
        interval = self.connections / self.rate
        next_at = time.monotonic() + offset
        while not self._stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at += interval
            start = time.monotonic()
            try:
                async with session.get(self.url) as resp:
                    await resp.read()
                    outcome, retry_after = str(resp.status), "Retry-After" in resp.headers
            except asyncio.TimeoutError:
                outcome, retry_after = "timeout", False
            except aiohttp.ClientConnectorError:
                outcome, retry_after = "refused", False
            except aiohttp.ClientError as err:
                outcome, retry_after = type(err).__name__, False
            self.records.append((start, time.monotonic() - start, outcome, retry_after))

    async def _main(self):
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        # A fresh connection per request: idle keep-alive sockets would otherwise sit in the
        # server's fd count and hide (or fake) a leak when comparing with the baseline.
        connector = aiohttp.TCPConnector(limit=self.connections, force_close=True)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            interval = self.connections / self.rate
            await asyncio.gather(*(
                self._worker(session, i * interval / self.connections) for i in range(self.connections)
            ))

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(self.timeout_s + 5)

    def window(self, start, end):
        return [r for r in self.records if start <= r[0] < end]


def summarize(records, fault_end):
    """Per-status counts, longest error burst and time to recover after `fault_end`.

    An error is anything but 200. The longest burst is the time from the first to the last
    request start of the longest run of consecutive errors. Recovery is the time from the end
    of the fault to the first request after which every request succeeded (0 when none failed
    after the fault ended).
    """
    records = sorted(records)
    statuses = Counter(r[2] for r in records)
    best, run_start = 0.0, None
    for start, _, outcome, _ in records:
        if outcome != "200":
            run_start = start if run_start is None else run_start
            best = max(best, start - run_start)
        else:
            run_start = None
    last_error = max((r[0] + r[1] for r in records if r[2] != "200"), default=None)
    recovery = max(0.0, last_error - fault_end) if last_error is not None else 0.0
    return {
        "requests": len(records),
        "statuses": dict(sorted(statuses.items())),
        "errors": sum(n for s, n in statuses.items() if s != "200"),
        "longest_error_burst_s": round(best, 3),
        "recovery_s": round(recovery, 3),
        "bad_5xx": sum(n for s, n in statuses.items() if s.startswith("5") and s != "503"),
        "503_without_retry_after": sum(1 for r in records if r[2] == "503" and not r[3]),
        "max_latency_s": round(max((r[1] for r in records), default=0.0), 3),
    }
