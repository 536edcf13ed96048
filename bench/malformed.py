"""make malformed / make test-malformed: hostile raw-TCP requests against hello-server.

Asserts behaviour only: no 5xx (on the wire or in the server's own metrics), every malformed
request answered 4xx or closed, the process alive and serving afterwards, memory bounded.
Settings (environment): MALFORMED_COUNT (10000), MALFORMED_SEED (7), MALFORMED_STALLS (50),
MALFORMED_STALL_SECONDS (2), MALFORMED_MAX_RSS_GROWTH_MB (32), HELLO_SERVER_BIN.
"""

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import hostile, metrics, procs  # noqa: E402
from harness.paths import log_file  # noqa: E402
from harness.pg import TempPostgres  # noqa: E402
from harness.report import save, table  # noqa: E402
from harness.servers import HelloServer, http_status  # noqa: E402

COUNT = int(os.environ.get("MALFORMED_COUNT", "10000"))
SEED = int(os.environ.get("MALFORMED_SEED", "7"))
STALLS = int(os.environ.get("MALFORMED_STALLS", "50"))
STALL_S = float(os.environ.get("MALFORMED_STALL_SECONDS", "2"))
MAX_GROWTH_MB = float(os.environ.get("MALFORMED_MAX_RSS_GROWTH_MB", "32"))


def server_5xx(url):
    """{labels: count} of the 5xx series in the server's own request counter."""
    return {
        ",".join(f"{k}={v}" for k, v in sorted(ls.items())): int(v)
        for n, ls, v in metrics.scrape(url)
        if n == "http_requests_total" and ls.get("status", "").startswith("5") and v
    }


def main():
    procs.raise_priority()
    failures = []
    with TempPostgres() as pg:
        # Quiet access log: 10 000 WARNING lines would only measure the disk.
        server = HelloServer(pg.url, log_file("malformed-hello-server"),
                             rust_log=os.environ.get("MALFORMED_RUST_LOG", "error")).start()
        try:
            for _ in range(200):  # warm the pool and allocator before taking the baseline
                http_status(server.base_url + "/greeting/1")
            rss_before = procs.rss_kb(server.pid) / 1024
            # /readyz may have answered 503 while the server migrated at start-up: not our doing.
            fives_before = server_5xx(server.metrics_url)
            print(f"malformed: {COUNT} hostile requests + {STALLS} stalled ({STALL_S:.0f} s), seed {SEED}, "
                  f"server RSS before {rss_before:.1f} MB", flush=True)
            with procs.PeakRss(server.pid) as peak:
                result = asyncio.run(hostile.run("127.0.0.1", server.port, COUNT, SEED, stalls=STALLS,
                                                 stall_s=STALL_S))
            peak_mb = peak.peak_kb / 1024
            alive = procs.alive(server.pid) and server.proc.poll() is None
            healthz = http_status(server.base_url + "/healthz")
            greeting = http_status(server.base_url + "/greeting/1")
            fives = {k: v - fives_before.get(k, 0) for k, v in server_5xx(server.metrics_url).items()}
            fives = {k: v for k, v in fives.items() if v}
        finally:
            exit_code = server.stop()

    by_kind = {}
    for (kind, outcome), n in sorted(result["outcomes"].items()):
        by_kind.setdefault(kind, Counter())[outcome] += n
    rows = [{"kind": k, "total": sum(c.values()), "outcomes": ", ".join(f"{o}:{n}" for o, n in sorted(c.items()))}
            for k, c in by_kind.items()]
    print(table(rows, [("case", "kind", "{}"), ("sent", "total", "{}"), ("answers", "outcomes", "{}")]))
    print(f"{COUNT + STALLS} connections in {result['seconds']:.1f} s; RSS peak {peak_mb:.1f} MB "
          f"(+{peak_mb - rss_before:.1f}); server 5xx counted in its metrics: {fives or 0}; exit code {exit_code}")

    wire_5xx = sum(n for (_, o), n in result["outcomes"].items() if o.isdigit() and o.startswith("5"))
    if wire_5xx or fives:
        failures.append(f"5xx answers: {wire_5xx} on the wire, {fives or 0} in the server's metrics")
    if result["unacceptable"]:
        kind, outcome, payload = result["unacceptable"][0]
        failures.append(f"{len(result['unacceptable'])} requests neither 4xx nor closed, first: {kind} -> "
                        f"{outcome} for {payload!r}")
    if not alive or healthz != 200 or greeting != 200:
        failures.append(f"server not serving afterwards (alive={alive}, healthz={healthz}, greeting={greeting})")
    if peak_mb - rss_before > MAX_GROWTH_MB:
        failures.append(f"RSS grew {peak_mb - rss_before:.1f} MB (> {MAX_GROWTH_MB:.0f} MB)")
    if exit_code != 0:
        failures.append(f"server exit code {exit_code} after SIGTERM")
    save("malformed", {
        "kind": "malformed", "count": COUNT, "stalls": STALLS, "seed": SEED, "seconds": result["seconds"],
        "rss_before_mb": rss_before, "rss_peak_mb": peak_mb, "server_5xx": fives, "exit_code": exit_code,
        "outcomes": {f"{k} {o}": n for (k, o), n in sorted(result["outcomes"].items())}, "failures": failures,
    })
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        sys.exit(1)
    print("malformed: PASS (no 5xx, malformed requests answered 4xx or closed, server alive, memory bounded)")


if __name__ == "__main__":
    main()
