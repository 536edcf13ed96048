"""Static properties of dashboards/*.json beyond what dashboard-linter checks:
stable uids, the shared variables, and thresholds equal to the alert thresholds."""

import re

import pytest
import yaml

from bundle import DASHBOARDS_DIR, ROOT, alert_rules, dashboards, panels, variables

DASHBOARDS = dashboards()
DS = {"type": "prometheus", "uid": "${datasource}"}


def panel(title: str) -> dict:
    found = [p for d in DASHBOARDS.values() for p in panels(d) if p["title"] == title]
    assert len(found) == 1, f"expected one panel titled {title!r}, found {len(found)}"
    return found[0]


def threshold_values(p: dict) -> set[float]:
    steps = p["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return {s["value"] for s in steps if s["value"] is not None}


def alert_expr(name: str) -> str:
    return next(r["expr"] for r in alert_rules() if r["alert"] == name)


def test_three_dashboards_with_stable_unique_uids():
    uids = {path.stem: d["uid"] for path, d in DASHBOARDS.items()}
    assert uids == {"hello-server-overview": "hello-server-overview",
                    "hello-server-database": "hello-server-database",
                    "hello-server-resources": "hello-server-resources"}
    titles = [d["title"] for d in DASHBOARDS.values()]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("path", sorted(DASHBOARDS), ids=lambda p: p.name)
def test_dashboard_shape(path):
    d = DASHBOARDS[path]
    assert d["schemaVersion"] >= 39 and d["editable"] is False
    assert "id" not in d or d["id"] is None, "a provisioned dashboard must not pin a database id"
    names = [v["name"] for v in variables(d)]
    assert names == ["datasource", "namespace", "job", "instance"]
    ds_vars = [v for v in variables(d) if v["type"] == "datasource"]
    assert len(ds_vars) == 1 and ds_vars[0]["query"] == "prometheus"
    for v in variables(d):
        if v["type"] == "query":
            assert v["datasource"] == DS, v["name"]
    for p in panels(d):
        assert p["datasource"] == DS, p["title"]
        assert p["description"].strip(), p["title"]
        assert p["fieldConfig"]["defaults"]["unit"], p["title"]
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"] == DS, p["title"]
            for rng in re.findall(r"\[([^\]]+)\]", t["expr"]):
                if "rate(" in t["expr"]:
                    assert rng in ("$__rate_interval", "1h"), f"{p['title']}: range [{rng}]"


def test_burn_rate_panels_draw_the_page_thresholds():
    factors = set()
    for rule in alert_rules():
        if rule["labels"].get("severity") == "page" and "sloth_slo" in rule["labels"]:
            factors |= {float(f) for f in re.findall(r"\(([\d.]+) \* slo:error_budget:ratio", rule["expr"])}
    assert factors == {14.4, 6.0}
    for slo in ("Availability", "Latency"):
        p = panel(f"{slo} burn rate (1h, 6h)")
        assert threshold_values(p) == factors
        assert p["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "line"
        assert [re.search(r"ratio_rate(\w+)\{", t["expr"])[1] for t in p["targets"]] == ["1h", "6h"]


def test_pool_and_error_panels_draw_their_alert_thresholds():
    timeouts = float(re.search(r">\s*([\d.]+)\s*$", alert_expr("HelloServerDbPoolCheckoutTimeouts").strip())[1])
    errors = float(re.search(r">\s*([\d.]+)\s*$", alert_expr("HelloServerDbErrors").strip())[1])
    assert threshold_values(panel("Checkout timeouts")) == {timeouts}
    assert threshold_values(panel("Database errors by kind")) == {errors}


def test_latency_panel_marks_the_slo_threshold():
    le = re.search(r'le="([\d.]+)"', (ROOT / "alerts" / "slo-latency.yaml").read_text())[1]
    assert threshold_values(panel("Latency p50 / p90 / p99 by route")) == {float(le)}


def test_hpa_line_matches_the_chart_target():
    values = yaml.safe_load((ROOT / "chart" / "hello-server" / "values.yaml").read_text())
    target = values["autoscaling"]["targetCPUUtilizationPercentage"] / 100
    assert threshold_values(panel("CPU utilisation of requests (HPA metric)")) == {target}
    exprs = [t["expr"] for t in panel("CPU used vs requested per pod")["targets"]]
    assert any(e.startswith(f"{target} * ") for e in exprs), exprs


def test_linter_exclusions_name_a_panel_and_a_reason():
    config = yaml.safe_load((DASHBOARDS_DIR / ".lint").read_text())
    titles = {(d["title"], p["title"]) for d in DASHBOARDS.values() for p in panels(d)}
    assert set(config) == {"exclusions"}
    for rule, spec in config["exclusions"].items():
        assert spec["reason"].strip(), rule
        for entry in spec["entries"]:
            assert entry["reason"].strip(), entry
            assert (entry["dashboard"], entry["panel"]) in titles, entry
