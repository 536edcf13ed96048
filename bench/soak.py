"""make soak: a fixed request rate for a long time, with a per-interval table.

Default rate is 60 % of the best closed-loop rate in the latest `make bench` result (or of a
short 32-connection probe when there is none). Passes when no request failed, resident memory
after the first interval (warm-up) grew by at most 10 %, and open fds and database connections
stayed bounded. Settings (environment): SOAK_DURATION seconds (300), SOAK_INTERVAL seconds (60),
SOAK_RATE req/s (derived), SOAK_CONNECTIONS (64).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import metrics, procs  # noqa: E402
from harness.load import oha  # noqa: E402
from harness.paths import RESULTS, log_file  # noqa: E402
from harness.pg import TempPostgres  # noqa: E402
from harness.report import LOAD_COLUMNS, save, table, verdict  # noqa: E402
from harness.servers import HelloServer  # noqa: E402
from harness.watch import Watch  # noqa: E402

DURATION = int(os.environ.get("SOAK_DURATION", "300"))
INTERVAL = int(os.environ.get("SOAK_INTERVAL", "60"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "64"))
RSS_GROWTH_LIMIT = 0.10


def default_rate(url):
    latest = RESULTS / "bench-latest.json"
    if latest.exists():
        rows = [r for r in json.loads(latest.read_text())["rows"] if r["server"] == "hello-server"]
        if rows:
            return int(0.6 * max(r["rps"] for r in rows)), "60 % of the best rate in bench-latest.json"
    return int(0.6 * oha(url, 32, 5)["rps"]), "60 % of a 5 s probe at 32 connections"


def main():
    procs.raise_priority()
    with TempPostgres() as pg:
        server = HelloServer(pg.url, log_file("soak-hello-server")).start()
        try:
            url = server.base_url + "/greeting/1"
            rate, why = (int(os.environ["SOAK_RATE"]), "SOAK_RATE") if "SOAK_RATE" in os.environ \
                else default_rate(url)
            print(f"soak: {rate} req/s ({why}) over {CONNECTIONS} connections for {DURATION} s, "
                  f"one row per {INTERVAL} s", flush=True)
            columns = [("t s", "t", "{}"), *LOAD_COLUMNS,
                ("peak RSS MB", "rss_mb", "{:.1f}"), ("peak fds", "open_fds", "{}"),
                ("peak pool in use", "pool_in_use", "{:.0f}"),
                ("peak pool conns", "pool_total", "{:.0f}"), ("CPU %", "cpu_pct", "{:.0f}"),
            ]
            print(table([], columns), flush=True)
            rows, elapsed = [], 0
            while elapsed < DURATION:
                step = min(INTERVAL, DURATION - elapsed)
                cpu_before = procs.cpu_seconds(server.pid)
                watch = Watch(server, interval=1.0).start()
                row = oha(url, CONNECTIONS, step, rate=rate)
                watch.stop()
                elapsed += step
                snap = metrics.snapshot(server.metrics_url)
                # Peaks over the interval: the figures at its end would miss the open connections.
                row.update(t=elapsed, rss_mb=watch.peak("rss_mb"), open_fds=watch.peak("open_fds"),
                           pool_in_use=watch.peak("pool_in_use"), pool_total=watch.peak("pool_total"),
                           pool_max=snap["pool_max"],
                           cpu_pct=100 * (procs.cpu_seconds(server.pid) - cpu_before) / step)
                rows.append(row)
                print(table([row], columns).splitlines()[-1], flush=True)
        finally:
            exit_code = server.stop()

    warm = rows[0]["rss_mb"]
    growth = max(r["rss_mb"] for r in rows[1:]) / warm - 1 if len(rows) > 1 else 0.0
    pool_max = rows[-1]["pool_max"] or 0
    checks = [
        ("no failed requests", sum(r["errors"] for r in rows) == 0, f"{sum(r['errors'] for r in rows)} errors"),
        ("RSS growth after warm-up <= 10 %", growth <= RSS_GROWTH_LIMIT,
         f"{growth:+.1%} ({warm:.1f} -> {max(r['rss_mb'] for r in rows):.1f} MB)"),
        ("open fds bounded", max(r["open_fds"] for r in rows) <= rows[0]["open_fds"] + 16,
         f"{min(r['open_fds'] for r in rows)}..{max(r['open_fds'] for r in rows)}"),
        ("pool connections within max", all((r["pool_total"] or 0) <= pool_max for r in rows),
         f"max {pool_max:.0f}"),
        ("rate held", all(r["rps"] >= 0.95 * rate for r in rows), f"min {min(r['rps'] for r in rows):.0f} req/s"),
        ("clean exit after SIGTERM", exit_code == 0, f"exit code {exit_code}"),
    ]
    for description, ok, measured in checks:
        print(f"  {verdict(ok)}  {description}: {measured}")
    path = save("soak", {"kind": "soak", "rate": rate, "rate_source": why, "duration_s": DURATION,
                         "interval_s": INTERVAL, "connections": CONNECTIONS, "rows": rows,
                         "checks": [{"check": d, "ok": ok, "measured": m} for d, ok, m in checks]})
    print(f"results: {path}")
    if not all(ok for _, ok, _ in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
