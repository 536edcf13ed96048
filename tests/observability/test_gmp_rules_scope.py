"""The alert rules as GKE Managed Prometheus runs them from the chart's namespaced `Rules` object: every selector
scoped to project, location, cluster and the release namespace (tests/observability/gmp-scope, on Prometheus's
parser, mirrors the rule evaluator). Every rule must be accepted, and the kube-state-metrics alerts, fed with series
shaped like GMP's managed kube-state-metrics (object namespace in `namespace`, job kube-state-metrics), must see
the release namespace's objects and nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bundle import ALERTS_DIR, rules

TOOL_SOURCE = Path(__file__).parent / "gmp-scope"
SCOPE = {"project_id": "acme-hello-prod", "location": "us-central1", "cluster": "hello-world-cluster",
         "namespace": "hello"}
TARGET = 'project_id="acme-hello-prod",location="us-central1",cluster="hello-world-cluster",job="kube-state-metrics",instance="ksm:8080"'


@pytest.fixture(scope="module")
def gmp_scope(tmp_path_factory) -> Path:
    go = shutil.which("go")
    assert go, "go is not installed: run bash scripts/setup.sh (tests/observability/gmp-scope is built with it)"
    binary = tmp_path_factory.mktemp("gmp-scope") / "gmp-scope"
    build = subprocess.run([go, "build", "-trimpath", "-o", str(binary), "."], cwd=TOOL_SOURCE,
                           env={**os.environ, "GOFLAGS": "-mod=readonly"}, capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    return binary


def scoped(tool: Path, exprs: list[str], labels: dict[str, str] = SCOPE) -> list[dict]:
    proc = subprocess.run([str(tool)], input=json.dumps({"labels": labels, "exprs": exprs}),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_the_scoping_tool_refuses_what_gmp_refuses(gmp_scope):
    (ok, conflicting) = scoped(gmp_scope, ['up{job="a"}', 'up{namespace="other"}'])
    assert ok == {"expr": 'up{cluster="hello-world-cluster",job="a",location="us-central1",'
                          'namespace="hello",project_id="acme-hello-prod"}'}
    assert "conflicting label matcher" in conflicting["error"]


def test_every_rule_is_accepted_by_a_namespaced_rules_object(gmp_scope):
    all_rules = rules()
    results = scoped(gmp_scope, [r["expr"] for _, r in all_rules])
    for (path, rule), result in zip(all_rules, results, strict=True):
        name = rule.get("alert") or rule.get("record")
        assert not result.get("error"), f"{path.name}: {name}: {result['error']}"
        # GMP adds the scope labels to each rule's output and refuses rules that set them.
        assert not set(rule.get("labels", {})) & set(SCOPE), f"{path.name}: {name} sets a scope label"


def test_kube_state_metrics_alerts_see_only_their_namespace(gmp_scope, tmp_path):
    groups = yaml.safe_load((ALERTS_DIR / "kubernetes.yaml").read_text())["groups"]
    alerts = {r["alert"]: r for g in groups for r in g["rules"]}
    assert set(alerts) == {"HelloServerHpaMaxedOut", "HelloServerPodRestarting"}, "update this test's series"
    exprs = [alerts["HelloServerHpaMaxedOut"]["expr"], alerts["HelloServerPodRestarting"]["expr"]]
    hpa, restarts = (r["expr"] for r in scoped(gmp_scope, exprs))

    def series(metric: str, namespace: str, labels: str, values: str) -> dict:
        return {"series": f'{metric}{{{TARGET},namespace="{namespace}",{labels}}}', "values": values}

    hpa_labels = 'horizontalpodautoscaler="hello-hello-server"'
    pod_labels = 'pod="hello-hello-server-0",container="hello-server",uid="u1"'
    # `>= on (namespace, horizontalpodautoscaler)` keeps only the matching labels; GMP adds the scope labels to the
    # alert itself.
    hpa_sample = {"labels": f'{{namespace="hello",{hpa_labels}}}', "value": 10}
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                # The same release in two namespaces: both autoscalers maxed out, both pods restarting.
                series("kube_horizontalpodautoscaler_status_current_replicas", ns, hpa_labels, "10x40")
                for ns in ("hello", "other")
            ] + [
                series("kube_horizontalpodautoscaler_spec_max_replicas", ns, hpa_labels, "10x40")
                for ns in ("hello", "other")
            ] + [
                series("kube_pod_container_status_restarts_total", ns, pod_labels, "0 0 1 2 3 3 3")
                for ns in ("hello", "other")
            ],
            "promql_expr_test": [
                {"expr": hpa, "eval_time": "20m", "exp_samples": [hpa_sample]},
                {"expr": restarts, "eval_time": "6m", "exp_samples": [
                    {"labels": f'{{{TARGET},namespace="hello",{pod_labels}}}', "value": 3}]},
                # Unscoped, the same expression would also see the other namespace.
                {"expr": exprs[0], "eval_time": "20m", "exp_samples": [
                    hpa_sample, {**hpa_sample, "labels": hpa_sample["labels"].replace('"hello"', '"other"')}]},
            ],
        }],
    }
    test_file = tmp_path / "gmp-scope.test.yaml"
    test_file.write_text(yaml.safe_dump(tests, sort_keys=False))
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed: run bash scripts/setup.sh (Debian prometheus package)"
    result = subprocess.run([promtool, "test", "rules", str(test_file)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
