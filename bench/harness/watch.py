"""Samples a running hello-server's resources in the background, so peaks between reports show."""

import threading
import time

from . import metrics, procs


class Watch:
    def __init__(self, server, interval=0.25):
        self.server, self.interval, self.samples = server, interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            snap = metrics.snapshot(self.server.metrics_url)
            snap.update(t=time.monotonic(), rss_mb=procs.rss_kb(self.server.pid) / 1024,
                        open_fds=procs.open_fds(self.server.pid))
            self.samples.append(snap)
            self._stop.wait(self.interval)

    def peak(self, key, start=float("-inf"), end=float("inf")):
        return max((s[key] or 0 for s in self.samples if start <= s["t"] <= end), default=None)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
