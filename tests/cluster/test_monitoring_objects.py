"""The chart's monitoring objects accepted by a real API server: ServiceMonitor and PrometheusRule
(prometheus-operator CRDs) and PodMonitoring and Rules (GKE Managed Prometheus), created by Helm 4 through
server-side apply and validated against the CRDs' structural schemas. A broken copy of each is refused, so the
validation really happens."""

from __future__ import annotations

import copy

import pytest

KINDS = {
    "ServiceMonitor": "servicemonitors.monitoring.coreos.com",
    "PrometheusRule": "prometheusrules.monitoring.coreos.com",
    "PodMonitoring": "podmonitorings.monitoring.googleapis.com",
    "Rules": "rules.monitoring.googleapis.com",
}


@pytest.fixture(scope="module")
def created(app, kube):
    """kind -> the live object Helm created for the release."""
    rendered = {d["kind"]: d for d in app.manifest() if d["kind"] in KINDS}
    assert set(rendered) == set(KINDS), f"the chart rendered {sorted(rendered)}"
    live = {}
    for kind, doc in rendered.items():
        live[kind] = kube.json("-n", app.namespace, "get", KINDS[kind], doc["metadata"]["name"], "--show-managed-fields")
    return live


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_created_server_side_as_rendered(created, app, kind):
    obj = created[kind]
    managers = {(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]}
    assert any(m.startswith("helm") and op == "Apply" for m, op in managers), managers
    rendered = next(d for d in app.manifest() if d["kind"] == kind)
    assert obj["spec"] == rendered["spec"] or _subset(rendered["spec"], obj["spec"]), \
        f"the API server changed the {kind} spec (pruned fields?)"


def _subset(small, big) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _subset(v, big[k]) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(small) == len(big) and all(_subset(a, b) for a, b in zip(small, big))
    return small == big or str(small) == str(big)


def test_scrape_objects_select_the_metrics_port(created, app):
    metrics = app.service("metrics")
    labels = metrics["metadata"]["labels"]
    monitor = created["ServiceMonitor"]["spec"]
    assert all(labels.get(k) == v for k, v in monitor["selector"]["matchLabels"].items()), monitor["selector"]
    assert [e["port"] for e in monitor["endpoints"]] == [p["name"] for p in metrics["spec"]["ports"]]
    pod_labels = app.pods()[0]["metadata"]["labels"]
    podmonitoring = created["PodMonitoring"]["spec"]
    assert all(pod_labels.get(k) == v for k, v in podmonitoring["selector"]["matchLabels"].items())
    assert [e["port"] for e in podmonitoring["endpoints"]] == ["metrics"]


def test_rules_carry_every_alert_group(created):
    operator = [g["name"] for g in created["PrometheusRule"]["spec"]["groups"]]
    gmp = [g["name"] for g in created["Rules"]["spec"]["groups"]]
    assert operator and operator == gmp, (operator, gmp)


# kind -> (how to break a copy, the field the API server must name in its refusal)
BROKEN = {
    "ServiceMonitor": (lambda spec: spec["endpoints"][0].update(port=["not", "a", "string"]), "port"),
    "PrometheusRule": (lambda spec: spec["groups"][0].update(rules="not a list"), "rules"),
    "PodMonitoring": (lambda spec: spec.pop("endpoints"), "endpoints"),
    "Rules": (lambda spec: spec["groups"][0].pop("interval"), "interval"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_broken_copy_is_refused(created, kube, kind):
    obj = copy.deepcopy(created[kind])
    obj["metadata"] = {"name": obj["metadata"]["name"] + "-broken", "namespace": obj["metadata"]["namespace"]}
    breaks, field = BROKEN[kind]
    breaks(obj["spec"])
    result = kube.apply(obj, "--dry-run=server", check=False)
    output = result.stderr + result.stdout
    assert result.returncode != 0 and field in output, output
