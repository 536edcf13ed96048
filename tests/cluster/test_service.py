"""Through the release's Services, from this host, the way clients reach the pods (kube-proxy's rules): the
greeting in its three formats, the 404 and 400 answers, and /metrics only on the metrics Service."""

from __future__ import annotations

import json
import re

import pytest

from conftest import http_get, service_url

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def public(app):
    service = app.service()
    assert [p["name"] for p in service["spec"]["ports"]] == ["http"], "the public Service exposes only http"
    return service_url(service, "http")


def test_greeting_as_text_json_and_html(public):
    text = http_get(f"{public}/greeting/1")
    assert (text.status, text.headers["content-type"], text.body) == (200, "text/plain; charset=utf-8", "Hello-World\n")
    as_json = http_get(f"{public}/greeting/1", accept="application/json")
    assert as_json.status == 200 and as_json.headers["content-type"] == "application/json"
    assert json.loads(as_json.body) == {"id": 1, "message": "Hello-World"}
    html = http_get(f"{public}/greeting/1", accept=BROWSER)
    assert html.status == 200 and html.headers["content-type"] == "text/html; charset=utf-8"
    assert ">Hello-World</h1>" in html.body
    assert "default-src 'none'" in html.headers["content-security-policy"]


def test_unknown_greeting_and_path_are_404(public):
    missing = http_get(f"{public}/greeting/424242")
    assert (missing.status, missing.body) == (404, "no greeting with id 424242\n")
    missing_json = http_get(f"{public}/greeting/424242", accept="application/json")
    assert missing_json.status == 404 and json.loads(missing_json.body)["error"] == "no greeting with id 424242"
    assert http_get(f"{public}/nothing/here").status == 404


def test_bad_id_is_400(public):
    bad = http_get(f"{public}/greeting/abc")
    assert (bad.status, bad.body) == (400, "id must be a positive integer\n")
    bad_json = http_get(f"{public}/greeting/-3", accept="application/json")
    assert bad_json.status == 400 and json.loads(bad_json.body) == {"error": "id must be positive"}


def test_metrics_only_on_the_metrics_service(app, public, target):
    assert http_get(f"{public}/metrics").status == 404, "/metrics must not be served through the public Service"
    metrics_service = app.service("metrics")
    assert metrics_service["spec"]["type"] == "ClusterIP"
    metrics = http_get(f"{service_url(metrics_service, 'metrics')}/metrics")
    assert metrics.status == 200 and metrics.headers["content-type"].startswith("text/plain"), metrics
    # The running binary is the image just built: its build_info carries the image tag's revision.
    revision = target.image.rsplit("-", 1)[-1]
    assert re.search(rf'hello_server_build_info\{{[^}}]*revision="{re.escape(revision)}"', metrics.body), \
        [line for line in metrics.body.splitlines() if "build_info" in line]
    # The requests made above through the public Service were counted by a pod behind it.
    assert re.search(r'^http_requests_total\{.*\} [1-9]', metrics.body, re.M), "no request counted"
