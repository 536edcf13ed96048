"""Scraping objects and the monitoring content: the chart carries exactly the repository's dashboards/ and
alerts/ (through the files/ symlinks), with only the SLO tokens substituted from values."""

import re

import pytest
import yaml

from conftest import CHART, DEFAULT_SCENARIO, ROOT, find, one, render, scenario_objects

CI = CHART / "ci"
ALERT_FILES = sorted((ROOT / "alerts").glob("*.yaml"))
DASHBOARD_FILES = sorted((ROOT / "dashboards").glob("*.json"))
# How the rule files state the objectives (once each) and the latency threshold (in every latency SLI window).
OBJECTIVE_TOKENS = {"availability": "vector(0.999)", "latency": "vector(0.99)"}
THRESHOLD_TOKEN = 'le="0.1"'



def test_monitoring_content_exists():
    assert ALERT_FILES, "alerts/*.yaml: no rule files in the repository"
    assert DASHBOARD_FILES, "dashboards/*.json: no dashboards in the repository"
    for link in ("alerts", "dashboards"):
        path = CHART / "files" / link
        assert path.is_symlink() and path.resolve() == ROOT / link, f"files/{link} must link to ../../../{link}"


def source_groups(files=ALERT_FILES, substitute=None) -> list:
    groups = []
    for path in files:
        text = path.read_text()
        if substitute:
            text = substitute(text)
        groups += yaml.safe_load(text)["groups"]
    return groups


def rule_groups(objects, kind) -> list:
    return one(objects, kind)["spec"]["groups"]


def test_prometheus_rule_carries_exactly_the_alert_files():
    objects = scenario_objects(CI / "kube-prometheus-stack-values.yaml")
    rule = one(objects, "PrometheusRule")
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule_groups(objects, "PrometheusRule") == source_groups()


def test_gmp_rules_carry_the_alert_files_with_an_interval_per_group(default_objects):
    rendered = rule_groups(default_objects, "Rules")
    expected = source_groups()
    assert [g["name"] for g in rendered] == [g["name"] for g in expected]
    for got, want in zip(rendered, expected):
        assert got["interval"] == want.get("interval", "30s"), "GMP requires an interval; the files' own one wins"
        assert {k: v for k, v in got.items() if k != "interval"} == {k: v for k, v in want.items() if k != "interval"}


def test_kubernetes_alerts_can_be_dropped():
    objects = scenario_objects(CI / "gmp-values.yaml")
    without = [p for p in ALERT_FILES if p.name != "kubernetes.yaml"]
    names = [g["name"] for g in rule_groups(objects, "Rules")]
    assert names == [g["name"] for g in source_groups(without)]
    assert (ROOT / "alerts" / "kubernetes.yaml") in ALERT_FILES, "kube-state-metrics alerts live in kubernetes.yaml"


def test_slo_tokens_are_the_only_statements_of_the_objectives_and_threshold():
    text = "".join(p.read_text() for p in ALERT_FILES)
    for name, token in OBJECTIVE_TOKENS.items():
        assert text.count(token) == 1, f"{name}: {token} must appear exactly once in alerts/*.yaml"
    assert text.count(THRESHOLD_TOKEN) >= 1
    bucket_matchers = re.findall(r'le\s*=~?\s*"[^"]*"', text)
    assert set(bucket_matchers) == {THRESHOLD_TOKEN}, f"other bucket matchers would not follow values: {bucket_matchers}"


def leaves(doc, path=""):
    if isinstance(doc, dict):
        return [leaf for k, v in doc.items() for leaf in leaves(v, f"{path}.{k}")]
    if isinstance(doc, list):
        return [leaf for i, v in enumerate(doc) for leaf in leaves(v, f"{path}[{i}]")]
    return [(path, doc)]


def diff_leaves(a, b, path=""):
    """Paths and values of every leaf that differs between two parsed documents of the same shape."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{path}: keys differ"
        return [d for k in a for d in diff_leaves(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: lengths differ"
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff_leaves(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, a, b)]


@pytest.mark.parametrize(
    "slo,replacements",
    [
        (
            {"availability": {"objective": 0.9995}, "latency": {"objective": 0.95, "thresholdSeconds": 0.25}},
            {"vector(0.999)": "vector(0.9995)", "vector(0.99)": "vector(0.95)", 'le="0.1"': 'le="0.25"'},
        ),
        # Swapped values must not be substituted twice.
        (
            {"availability": {"objective": 0.99}, "latency": {"objective": 0.999}},
            {"vector(0.999)": "vector(0.99)", "vector(0.99)": "vector(0.999)"},
        ),
        # Whole-number buckets are `le="1"` in Prometheus 2 and `le="1.0"` in Prometheus 3.
        ({"latency": {"thresholdSeconds": 1}}, {'le="0.1"': 'le=~"1|1.0"'}),
    ],
)
def test_changed_slo_changes_only_its_tokens(slo, replacements, tmp_path):
    values = tmp_path / "slo.yaml"
    values.write_text(yaml.safe_dump({"slo": slo, "monitoring": {"prometheusRule": {"enabled": True}}}))
    changed = rule_groups(render(DEFAULT_SCENARIO, values), "PrometheusRule")
    default = source_groups()
    differences = diff_leaves(default, changed)
    pattern = re.compile("|".join(re.escape(token) for token in replacements))
    carrying_tokens = [path for path, value in leaves(default) if isinstance(value, str) and pattern.search(value)]
    assert [path for path, _, _ in differences] == carrying_tokens, "only the rules stating the tokens change"
    for path, before, after in differences:
        assert pattern.sub(lambda m: replacements[m.group(0)], before) == after, path


def test_dashboard_config_maps_carry_the_exact_bytes(default_objects):
    maps = [m for m in find(default_objects, "ConfigMap") if "grafana_dashboard" in m["metadata"]["labels"]]
    assert len(maps) == len(DASHBOARD_FILES)
    by_file = {name: cm for cm in maps for name in cm["data"]}
    for path in DASHBOARD_FILES:
        cm = by_file[path.name]
        assert cm["data"] == {path.name: path.read_text()}, f"{path.name} differs from dashboards/"
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["annotations"] == {"grafana_folder": "hello-server"}
        assert len(cm["metadata"]["name"]) <= 63


def test_dashboard_label_folder_and_namespace_are_configurable():
    objects = render(
        DEFAULT_SCENARIO,
        sets=[
            "monitoring.dashboards.label=dashboards",
            "monitoring.dashboards.labelValue=hello",
            "monitoring.dashboards.folderAnnotation=k8s-sidecar-target-directory",
            "monitoring.dashboards.folder=/tmp/dashboards/hello",
            "monitoring.dashboards.namespace=monitoring",
        ],
    )
    maps = [m for m in find(objects, "ConfigMap") if "dashboards" in m["metadata"]["labels"]]
    assert len(maps) == len(DASHBOARD_FILES)
    for cm in maps:
        assert cm["metadata"]["labels"]["dashboards"] == "hello"
        assert cm["metadata"]["annotations"] == {"k8s-sidecar-target-directory": "/tmp/dashboards/hello"}
        assert cm["metadata"]["namespace"] == "monitoring"


def test_defaults_suit_a_fresh_autopilot_cluster(default_objects):
    """GMP CRDs exist on Autopilot, prometheus-operator's do not: only GMP objects by default."""
    kinds = {o["kind"] for o in default_objects}
    assert {"PodMonitoring", "Rules"} <= kinds
    assert not kinds & {"ServiceMonitor", "PrometheusRule"}


def container_port_names(objects) -> set:
    spec = one(objects, "Deployment")["spec"]["template"]["spec"]
    return {p["name"] for c in spec["containers"] + spec.get("initContainers", []) for p in c.get("ports", [])}


def test_pod_monitoring_scrapes_app_and_proxy(default_objects):
    monitoring = one(default_objects, "PodMonitoring")
    ports = [e["port"] for e in monitoring["spec"]["endpoints"]]
    assert ports == ["metrics", "proxy-metrics"]
    assert set(ports) <= container_port_names(default_objects)
    selector = monitoring["spec"]["selector"]["matchLabels"]
    pod_labels = one(default_objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()


def test_service_monitor_scrapes_app_and_proxy_through_the_metrics_service():
    objects = scenario_objects(CI / "kube-prometheus-stack-values.yaml")
    monitor = one(objects, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics", "proxy-metrics"]
    assert all(e["path"] == "/metrics" and e["interval"] == "30s" for e in monitor["spec"]["endpoints"])
    selector = monitor["spec"]["selector"]["matchLabels"]
    selected = [s for s in find(objects, "Service") if selector.items() <= s["metadata"]["labels"].items()]
    assert [s["metadata"]["name"] for s in selected] == ["hello-hello-server-metrics"]
    assert [p["name"] for p in selected[0]["spec"]["ports"]] == ["metrics", "proxy-metrics"]
