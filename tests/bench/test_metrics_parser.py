"""The harness reads the server's own counters (5xx in the malformed run, latency buckets in the
bench): a label value holding braces must not hide a series."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from harness import metrics  # noqa: E402

TEXT = """# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/greeting/{id}",status="503"} 4
http_requests_total{method="GET",route="unmatched",status="404"} 7
http_request_duration_seconds_bucket{method="GET",route="/greeting/{id}",status="200",le="0.005"} 95
db_pool_max_connections 10
"""


def test_series_with_braces_in_label_values_are_read(monkeypatch):
    class Resp:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return TEXT.encode()

    monkeypatch.setattr(metrics.urllib.request, "urlopen", lambda url, timeout: Resp())
    samples = metrics.scrape("http://127.0.0.1:1/metrics")
    assert metrics.value(samples, "http_requests_total", route="/greeting/{id}", status="503") == 4
    assert metrics.value(samples, "http_request_duration_seconds_bucket", le="0.005") == 95
    assert metrics.value(samples, "http_requests_total") == 11
    assert metrics.value(samples, "db_pool_max_connections") == 10
    assert metrics.value(samples, "no_such_metric") is None


def test_unreachable_endpoint_gives_no_samples():
    assert metrics.scrape("http://127.0.0.1:9/metrics", timeout=0.5) == []
