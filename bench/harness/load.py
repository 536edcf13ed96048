"""Closed-loop and fixed-rate HTTP load with oha, and the PostgreSQL ceiling with pgbench."""

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .paths import tool
from .pg import pg_bin


def oha(url, connections, duration_s, rate=None, timeout_s=10):
    """One oha run; returns requests/s, latency percentiles (ms), status counts and errors.

    Requests still in flight at the deadline are awaited (-w), so they count as answered
    rather than as errors; with a fixed rate, latency is measured from the scheduled start
    (--latency-correction) so a stalled server cannot hide its queueing.
    """
    argv = [
        tool("oha"), url, "--no-tui", "--output-format", "json", "-w",
        "-c", str(connections), "-z", f"{duration_s}s", "-t", f"{timeout_s}s",
    ]
    if rate:
        argv += ["-q", str(rate), "--latency-correction"]
    # Slack beyond the run itself: start-up, in-flight requests and the request timeout.
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=duration_s + timeout_s + 30)
    report = json.loads(out.stdout)
    pct = report.get("latencyPercentiles", {})
    statuses = {int(k): v for k, v in report.get("statusCodeDistribution", {}).items()}
    errors = report.get("errorDistribution", {})
    answered = sum(statuses.values())
    return {
        "connections": connections,
        "duration_s": duration_s,
        "requests": answered + sum(errors.values()),
        "rps": report["summary"]["requestsPerSec"],
        "p50_ms": _ms(pct.get("p50")),
        "p99_ms": _ms(pct.get("p99")),
        "p999_ms": _ms(pct.get("p99.9")),
        "max_ms": _ms(report["summary"].get("slowest")),
        "statuses": statuses,
        "transport_errors": errors,
        "errors": sum(errors.values()) + sum(v for k, v in statuses.items() if k >= 400),
    }


def wrk(url, connections, duration_s, timeout_s=10):
    """One closed-loop wrk run, same result shape as oha() (wrk reports non-2xx/3xx only as a count)."""
    threads = min(connections, os.cpu_count() or 1)
    argv = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s", "--timeout", f"{timeout_s}s",
        "-s", str(Path(__file__).with_name("wrk_report.lua")), url,
    ]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=duration_s + timeout_s + 30)
    report = json.loads(next(line for line in reversed(out.stdout.splitlines()) if line.startswith("{")))
    errors = {k: v for k, v in report["errors"].items() if v}
    lat = report["latency_us"]
    return {
        "connections": connections,
        "duration_s": duration_s,
        "requests": report["requests"],
        "rps": report["requests"] / (report["duration_us"] / 1e6),
        "p50_ms": lat["p50"] / 1000, "p99_ms": lat["p99"] / 1000, "p999_ms": lat["p999"] / 1000,
        "max_ms": lat["max"] / 1000,
        "statuses": {},
        "transport_errors": errors,
        "errors": sum(errors.values()),
    }


def closed_loop(url, connections, duration_s):
    """The closed-loop generator chosen by BENCH_LOADGEN (wrk: lighter on a small machine; or oha)."""
    if os.environ.get("BENCH_LOADGEN", "wrk") == "oha":
        return oha(url, connections, duration_s)
    return wrk(url, connections, duration_s)


def _ms(seconds):
    return None if seconds is None else seconds * 1000.0


def pgbench_tps(database_url, query, clients, duration_s):
    """select-only ceiling: the given query, prepared, from `clients` connections."""
    url = urlsplit(database_url)
    env = dict(
        os.environ,
        PGHOST=url.hostname, PGPORT=str(url.port), PGUSER=url.username,
        PGPASSWORD=url.password or "", PGDATABASE=url.path.lstrip("/"),
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(query + ";\n")
        script.flush()
        out = subprocess.run(
            [pg_bin("pgbench"), "-n", "-M", "prepared", "-f", script.name,
             "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)), "-T", str(duration_s)],
            env=env, check=True, capture_output=True, text=True, timeout=duration_s + 60,
        ).stdout
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if not match:
        raise SystemExit(f"pgbench output not understood:\n{out}")
    return float(match.group(1))
