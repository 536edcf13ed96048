"""make chaos: faults under steady load, each judged on what clients saw and what was left over.

Scenarios: PostgreSQL fast restart (twice), PostgreSQL frozen with SIGSTOP then SIGCONT (twice), the
pool exhausted by another client's long transaction, SIGTERM to the server. For each: requests
by status, longest error burst, time to recover after the fault ends, and the server's memory,
fds and database connections afterwards against the baseline taken before the first fault.
Settings (environment): CHAOS_RATE req/s (200), CHAOS_CONNECTIONS (256: more than
rate x checkout timeout, so a server that let requests pile up would show it), CHAOS_FAULT_SECONDS (5),
CHAOS_SETTLE_SECONDS (5).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import metrics, procs  # noqa: E402
from harness.load import closed_loop  # noqa: E402
from harness.paths import log_file  # noqa: E402
from harness.pg import TempPostgres, pg_bin  # noqa: E402
from harness.report import save, table, verdict  # noqa: E402
from harness.servers import HelloServer, http_status  # noqa: E402
from harness.steady import SteadyLoad, summarize  # noqa: E402
from harness.watch import Watch  # noqa: E402

RATE = int(os.environ.get("CHAOS_RATE", "200"))
CONNECTIONS = int(os.environ.get("CHAOS_CONNECTIONS", "256"))
FAULT_S = float(os.environ.get("CHAOS_FAULT_SECONDS", "5"))
SETTLE_S = float(os.environ.get("CHAOS_SETTLE_SECONDS", "5"))
DRAIN_S, SHUTDOWN_TIMEOUT_S = 5, 20
RECOVERY_TARGET_S = 2.0


def app_connections(pg):
    return int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'hello' "
                       "AND pid <> pg_backend_pid()"))


def resources(server, pg):
    snap = metrics.snapshot(server.metrics_url)
    return {"rss_mb": procs.rss_kb(server.pid) / 1024, "open_fds": procs.open_fds(server.pid),
            "pg_connections": app_connections(pg), "pool_max": snap["pool_max"]}


def signal_cluster(pg, sig):
    """SIGSTOP/SIGCONT the postmaster and every backend: the whole database hangs, not just accept()."""
    pids = procs.tree(pg.pid())
    for pid in (pids if sig == signal.SIGSTOP else reversed(pids)):
        os.kill(pid, sig)


def fault_restart(pg, server):
    start = time.monotonic()
    pg.restart()
    return start, time.monotonic()


def fault_freeze(pg, server):
    start = time.monotonic()
    signal_cluster(pg, signal.SIGSTOP)
    time.sleep(FAULT_S)
    signal_cluster(pg, signal.SIGCONT)
    return start, time.monotonic()


def fault_pool_exhaustion(pg, server):
    """Another client holds an exclusive lock in a long transaction: every pooled connection
    blocks in its query, the pool runs dry and requests must turn into 503s, not a queue."""
    sql = f"BEGIN; LOCK TABLE greetings IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({FAULT_S}); COMMIT;"
    start = time.monotonic()
    subprocess.run([pg_bin("psql"), pg.url, "-qAtc", sql], check=True, capture_output=True, timeout=FAULT_S + 30)
    return start, time.monotonic()


SCENARIOS = [
    ("postgres restart #1", fault_restart),
    ("postgres restart #2", fault_restart),
    (f"postgres frozen {FAULT_S:.0f} s #1", fault_freeze),
    # Twice: a second identical fault tells allocator high-water (flat) from a leak (growing).
    (f"postgres frozen {FAULT_S:.0f} s #2", fault_freeze),
    ("pool exhausted by long transaction", fault_pool_exhaustion),
]


def run_scenario(name, fault, pg, server, load, watch, baseline):
    begin = time.monotonic()
    fault_start, fault_end = fault(pg, server)
    time.sleep(SETTLE_S)
    end = time.monotonic()
    row = summarize(load.window(begin, end), fault_end)
    after = resources(server, pg)
    row.update(
        scenario=name, fault_s=round(fault_end - fault_start, 2), after=after,
        peak_in_flight=watch.peak("in_flight", begin, end), peak_rss_mb=watch.peak("rss_mb", begin, end),
        alive=server.proc.poll() is None,
    )
    # The pool may legitimately grow to its maximum after a fault (and shrink after its idle
    # timeout): each extra database connection is one more fd, anything beyond that is a leak.
    pool_max = after["pool_max"] or 0
    fd_allowance = max(0, pool_max - baseline["pg_connections"]) + 4
    row["outage_ok"] = (row["alive"] and row["bad_5xx"] == 0 and row["503_without_retry_after"] == 0
                        and row["recovery_s"] <= RECOVERY_TARGET_S)
    row["fds_conns_ok"] = after["open_fds"] <= baseline["open_fds"] + fd_allowance and after["pg_connections"] <= pool_max
    row["rss_ok"] = after["rss_mb"] <= baseline["rss_mb"] * 1.10 + 1
    row["rss_vs_baseline"] = after["rss_mb"] / baseline["rss_mb"] - 1
    row["ok"] = row["outage_ok"] and row["fds_conns_ok"] and row["rss_ok"]
    return row


def run_sigterm(server, load):
    """SIGTERM mid-load: readiness must fail at once, requests keep succeeding while draining,
    then the process exits 0 within drain + timeout. Requests refused after the listener closed
    were never accepted; any other failure is a lost request."""
    begin = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    not_ready_after = None
    while server.proc.poll() is None and time.monotonic() - begin < DRAIN_S + SHUTDOWN_TIMEOUT_S + 10:
        if not_ready_after is None and http_status(server.base_url + "/readyz", timeout=0.5) not in (200,):
            not_ready_after = time.monotonic() - begin
        time.sleep(0.05)
    exit_code = server.proc.poll()
    exited_after = time.monotonic() - begin
    time.sleep(1)
    records = load.window(begin, time.monotonic())
    drain_end = begin + DRAIN_S
    lost = [r for r in records if r[2] != "200" and (r[2].isdigit() or r[0] < drain_end - 0.1)]
    row = summarize(records, begin)
    row.update(
        recovery_s=None,  # the server is meant to be gone afterwards
        scenario="SIGTERM during load", exit_code=exit_code, exited_after_s=round(exited_after, 2),
        readyz_503_after_s=None if not_ready_after is None else round(not_ready_after, 3),
        lost_requests=len(lost), refused_after_close=len(records) - row["statuses"].get("200", 0) - len(lost),
    )
    row["outage_ok"] = row["ok"] = (exit_code == 0 and not lost and not_ready_after is not None and not_ready_after < 1
                 and exited_after <= DRAIN_S + SHUTDOWN_TIMEOUT_S)
    return row


def main():
    procs.raise_priority()
    rows = []
    with TempPostgres() as pg:
        server = HelloServer(pg.url, log_file("chaos-hello-server"),
                             shutdown_drain_seconds=DRAIN_S, shutdown_timeout_seconds=SHUTDOWN_TIMEOUT_S).start()
        # Client timeout above the server's 5 s request timeout: what clients see is the server's doing.
        load = SteadyLoad(server.base_url + "/greeting/1", RATE, CONNECTIONS, timeout_s=10).start()
        watch = Watch(server).start()
        try:
            # Baseline in the steady state a fault returns to: the pool at its maximum (a short
            # burst opens every connection), then a quiet settle at the steady rate.
            closed_loop(server.base_url + "/greeting/1", 64, 2)
            time.sleep(SETTLE_S)
            baseline = resources(server, pg)
            print(f"chaos: {RATE} req/s over {CONNECTIONS} connections; baseline RSS {baseline['rss_mb']:.1f} MB, "
                  f"{baseline['open_fds']} fds, {baseline['pg_connections']} database connections", flush=True)
            for name, fault in SCENARIOS:
                rows.append(run_scenario(name, fault, pg, server, load, watch, baseline))
                print(f"  {verdict(rows[-1]['ok'])}  {name}: {rows[-1]['statuses']}", flush=True)
            watch.stop()
            rows.append(run_sigterm(server, load))
            print(f"  {verdict(rows[-1]['ok'])}  SIGTERM during load: {rows[-1]['statuses']}", flush=True)
        finally:
            load.stop()
            watch.stop()
            server.stop()

    for row in rows:
        row["statuses_text"] = " ".join(f"{k}:{v}" for k, v in row["statuses"].items())
        row["verdict"] = verdict(row["ok"])
        for key in ("outage_ok", "fds_conns_ok", "rss_ok"):
            row[key + "_text"] = None if key not in row else ("yes" if row[key] else "NO")
    print()
    print(table(rows, [
        ("scenario", "scenario", "{}"), ("requests by status", "statuses_text", "{}"),
        ("longest error burst s", "longest_error_burst_s", "{:.2f}"), ("recovery s", "recovery_s", "{:.2f}"),
        ("non-503 5xx", "bad_5xx", "{}"), ("503 w/o Retry-After", "503_without_retry_after", "{}"),
        ("peak in-flight", "peak_in_flight", "{:.0f}"), ("max latency s", "max_latency_s", "{:.2f}"),
        ("outage ok", "outage_ok_text", "{}"), ("fds+conns back", "fds_conns_ok_text", "{}"),
        ("RSS vs base", "rss_vs_baseline", "{:+.0%}"), ("", "verdict", "{}"),
    ]))
    print("\nafter each fault (baseline "
          f"RSS {baseline['rss_mb']:.1f} MB, {baseline['open_fds']} fds, {baseline['pg_connections']} db conns):")
    for row in rows[:-1]:
        a = row["after"]
        print(f"  {row['scenario']}: RSS {a['rss_mb']:.1f} MB (peak {row['peak_rss_mb']:.1f}), "
              f"{a['open_fds']} fds, {a['pg_connections']} db conns (pool max {a['pool_max']:.0f})")
    s = rows[-1]
    print(f"  SIGTERM: readyz 503 after {s['readyz_503_after_s']} s, exit code {s['exit_code']} after "
          f"{s['exited_after_s']} s (drain {DRAIN_S} s), lost requests {s['lost_requests']}, "
          f"refused after close {s['refused_after_close']}")
    path = save("chaos", {"kind": "chaos", "rate": RATE, "connections": CONNECTIONS, "fault_s": FAULT_S,
                          "baseline": baseline, "scenarios": rows})
    print(f"\nresults: {path}")
    if not all(r["ok"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
