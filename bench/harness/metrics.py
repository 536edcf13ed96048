"""Read a few gauges and counters from hello-server's /metrics (Prometheus text format)."""

import re
import urllib.request

# Label values may hold braces themselves (route="/greeting/{id}"), so quoted strings are skipped whole.
_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(url, timeout=2.0):
    """[(name, {label: value}, float)] for every sample; [] when the endpoint does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            text = resp.read().decode()
    except OSError:
        return []
    samples = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match and not line.startswith("#"):
            labels = dict(_LABEL.findall(match.group(2) or ""))
            samples.append((match.group(1), labels, float(match.group(3))))
    return samples


def value(samples, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`; None when there is none."""
    found = [v for n, ls, v in samples if n == name and all(ls.get(k) == x for k, x in labels.items())]
    return sum(found) if found else None


def snapshot(url):
    """The resource figures soak and chaos watch: memory, fds, pool connections."""
    samples = scrape(url)
    idle = value(samples, "db_pool_connections", state="idle")
    in_use = value(samples, "db_pool_connections", state="in_use")
    return {
        "rss_mb": (value(samples, "process_resident_memory_bytes") or 0) / 2**20,
        "open_fds": value(samples, "process_open_fds"),
        "pool_idle": idle,
        "pool_in_use": in_use,
        "pool_total": None if idle is None else idle + (in_use or 0),
        "pool_max": value(samples, "db_pool_max_connections"),
        "in_flight": value(samples, "http_requests_in_flight"),
        "checkout_timeouts": value(samples, "db_pool_checkout_timeouts_total"),
    }
