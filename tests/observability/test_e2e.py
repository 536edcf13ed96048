"""End-to-end truth test: the alert rules and dashboards against the live
service, scraped by a real Prometheus every second.

Scenario (one run shared by the tests below):
  1. healthy mixed traffic until every recording rule has a series;
  2. the database is stopped while traffic continues: the availability page
     alert must reach `firing` within PAGE_BOUND_SECONDS;
  3. the database comes back: readiness and 200s return, Prometheus keeps scraping;
  4. every metric name, dashboard query and recording rule is checked against
     what Prometheus holds after all of that traffic.
"""

import re
import time
from pathlib import Path

import pytest
import requests
import yaml

from bundle import dashboard_queries, dashboards, metric_names, recording_rules, rule_files, rule_queries
from bundle import split_label_values, substitute, variable_query, variables
from stack import FIXTURES, TEST_FOR, Stack, Traffic, shortened_rule_copies, wait_for

PAGE_ALERT = "HelloServerAvailabilityBudgetBurnFast"
# Bound from stopping the database to the page alert firing: a few scrapes and
# evaluations (1 s each) for the 5m and 1h error ratios to cross 14.4x the
# budget, plus the shortened `for:` of 5 s. Typically ~10-15 s here.
PAGE_BOUND_SECONDS = 60
RECOVERY_BOUND_SECONDS = 60


def firing(stack: Stack, name: str) -> bool:
    return any(a["labels"]["alertname"] == name and a["state"] == "firing" for a in stack.alerts())


def recorded_series_ready(stack: Stack) -> bool:
    return all(stack.query(f'{r["record"]}{{sloth_slo="{r["labels"]["sloth_slo"]}"}}') for r in recording_rules())


@pytest.fixture(scope="module")
def run():
    stack = Stack()
    result = {"stack": stack}
    try:
        stack.start()
        with Traffic(stack.app_url) as traffic:
            wait_for("every recording rule to produce a series", lambda: recorded_series_ready(stack), 60, 1)
            assert not firing(stack, PAGE_ALERT), "page alert fires on healthy traffic"

            stack.pg("stop")
            down_at = time.monotonic()
            result["down_wall_clock"] = time.time()
            wait_for(f"{PAGE_ALERT} to fire", lambda: firing(stack, PAGE_ALERT), PAGE_BOUND_SECONDS, 1)
            result["page_seconds"] = time.monotonic() - down_at
            result["unready_seen"] = bool(wait_for("Prometheus to see no ready replica",
                                                   lambda: stack.query("max(hello_server_ready) == 0"), 30, 1))

            stack.pg("start")
            up_at = time.monotonic()
            wait_for("readiness after the database returns",
                     lambda: requests.get(f"{stack.app_url}/readyz", timeout=2).status_code == 200,
                     RECOVERY_BOUND_SECONDS)
            result["recovery_seconds"] = time.monotonic() - up_at
            result["greeting_status"] = requests.get(f"{stack.app_url}/greeting/1", timeout=5).status_code
            wait_for("Prometheus to see the ready replica again",
                     lambda: stack.query("max(hello_server_ready) == 1"), 30, 1)
            time.sleep(3)  # a few more scrapes with the database back
            result["statuses"] = dict(traffic.statuses)
        result["app_metrics"] = requests.get(stack.metrics_url, timeout=5).text
        yield result
    except BaseException:
        print("--- app log ---\n" + stack.log("app.log") + "\n--- prometheus log ---\n" + stack.log("prometheus.log"))
        raise
    finally:
        stack.close()


def test_traffic_was_mixed(run):
    statuses = run["statuses"]
    for status in (200, 400, 404, 503):
        assert statuses.get(status, 0) > 0, f"no {status} responses: {statuses}"


def test_page_alert_fires_with_the_database_down(run):
    print(f"{PAGE_ALERT} fired {run['page_seconds']:.1f}s after the database stopped (bound {PAGE_BOUND_SECONDS}s)")
    assert run["page_seconds"] <= PAGE_BOUND_SECONDS
    assert run["unready_seen"]


def test_service_recovers_while_prometheus_keeps_scraping(run):
    stack = run["stack"]
    print(f"ready {run['recovery_seconds']:.1f}s after the database returned")
    assert run["greeting_status"] == 200
    # Scrapes of the app never stopped: up is 1 and the last sample is fresh.
    up = stack.query(f'up{{job="hello-server", instance="{stack.app_instance}"}}')
    assert up and up[0]["value"][1] == "1"
    assert time.time() - float(up[0]["value"][0]) < 5
    # One scrape a second from the database stop until now; allow a quarter
    # missing for a loaded machine, not a stall across the outage.
    window = int(time.time() - run["down_wall_clock"])
    samples = stack.query(f'count_over_time(up{{instance="{stack.app_instance}"}}[{window}s])')
    assert samples and float(samples[0]["value"][1]) >= 0.75 * window, f"scrapes missed over {window}s: {samples}"


def test_test_rules_differ_from_production_only_in_for(tmp_path):
    copies = {p.name: yaml.safe_load(p.read_text()) for p in shortened_rule_copies(tmp_path)}
    for path in rule_files():
        original = yaml.safe_load(path.read_text())
        copy = copies[path.name]
        for group_o, group_c in zip(original["groups"], copy["groups"], strict=True):
            for rule_o, rule_c in zip(group_o["rules"], group_c["rules"], strict=True):
                assert rule_c.pop("for", None) == (TEST_FOR if "for" in rule_o else None)
                rule_o.pop("for", None)
        assert original == copy


def promql_regex_escape(value: str) -> str:
    """Escape a value for a =~ matcher inside a PromQL string, as Grafana does."""
    return re.sub(r"([\\^$*+?.()|{}\[\]])", r"\\\\\1", value)


def resolved_variables(stack: Stack) -> dict[str, str]:
    """Run each dashboard's variable queries in order, like Grafana, and select all values."""
    values: dict[str, str] = {}
    for dash in dashboards().values():
        for var in variables(dash):
            if var["type"] != "query" or var["name"] in values:
                continue
            selector, label = split_label_values(variable_query(var))
            found = stack.series_label_values(substitute(selector, values), label)
            assert found, f"variable {var['name']} ({variable_query(var)}) has no values"
            values[var["name"]] = "|".join(promql_regex_escape(v) for v in found)
    values["datasource"] = "prometheus"
    return values


def test_every_referenced_metric_exists(run):
    stack = run["stack"]
    queries = rule_queries() + dashboard_queries(resolved_variables(stack))
    names = metric_names(queries)
    assert names, "no metric names extracted"
    missing = {n: sorted(src) for n, src in names.items() if not stack.query(f'count({{__name__="{n}"}})')}
    assert not missing, f"referenced but absent from Prometheus: {missing}"

    # Where each name comes from: the app itself, the rules, or the fixtures
    # standing in for kube-state-metrics and the Cloud SQL proxy (cluster-only).
    app = {line.split("{")[0].split(" ")[0] for line in run["app_metrics"].splitlines() if line and line[0] != "#"}
    recorded = {r["record"] for r in recording_rules()}
    fixture = {}
    for path in FIXTURES.glob("*.prom"):
        for line in path.read_text().splitlines():
            if line and line[0] != "#":
                fixture[line.split("{")[0]] = path.name
    assert all(n.startswith(("kube_", "cloudsqlconn_")) for n in fixture), sorted(fixture)
    unexplained = set(names) - app - recorded - set(fixture) - {"up"}
    assert not unexplained, f"names neither emitted by the app, recorded, nor cluster-only: {unexplained}"
    cluster_only = {n for n in names if n in fixture}
    print(f"{len(names)} metric names referenced; cluster-only (fixtures): {sorted(cluster_only)}")
    fixture_families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in fixture}
    referenced_families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}
    assert fixture_families <= referenced_families, "fixtures carry series nothing references"


def test_every_dashboard_query_returns_data(run):
    stack = run["stack"]
    empty = [f"{q.source}: {q.expr}" for q in dashboard_queries(resolved_variables(stack)) if not stack.query(q.expr)]
    assert not empty, "empty dashboard queries:\n" + "\n".join(empty)


def test_every_recording_rule_produces_a_series(run):
    stack = run["stack"]
    for rule in recording_rules():
        slo = rule["labels"]["sloth_slo"]
        assert stack.query(f'{rule["record"]}{{sloth_slo="{slo}"}}'), f"{rule['record']} ({slo}) has no series"
