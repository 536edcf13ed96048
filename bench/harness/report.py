"""Plain-text tables and JSON output for the runs."""

import json
import time

from .paths import RESULTS


# The load figures every run prints, in the same order and format.
LOAD_COLUMNS = [
    ("req/s", "rps", "{:.0f}"), ("p50 ms", "p50_ms", "{:.2f}"), ("p99 ms", "p99_ms", "{:.2f}"),
    ("p99.9 ms", "p999_ms", "{:.2f}"), ("errors", "errors", "{}"),
]


def table(rows, columns):
    """rows: list of dicts; columns: [(header, key, format)]. Missing values print as '-'."""
    cells = [[h for h, _, _ in columns]]
    for row in rows:
        cells.append([
            "-" if row.get(key) is None else fmt.format(row[key]) for _, key, fmt in columns
        ])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(ok):
    return "PASS" if ok else "MISS"


def save(kind, data):
    """Write results/<kind>-<UTC time>.json and results/<kind>-latest.json; return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = RESULTS / f"{kind}-{stamp}.json"
    text = json.dumps(data, indent=2, sort_keys=True)
    path.write_text(text + "\n")
    (RESULTS / f"{kind}-latest.json").write_text(text + "\n")
    return path
