"""Every scenario lints strictly (Helm 4 and Helm 3) and validates against the Kubernetes and CRD schemas, offline."""

import json
import subprocess

import pytest
import yaml

from conftest import (
    CHART,
    KUBERNETES_VERSIONS,
    NODE_MODULES,
    ROOT,
    SCHEMA_DIR,
    run,
    scenario_objects,
    scenario_text,
    tool,
)

# Kinds validated from CRD schemas; every one must have a schema file (missing schemas are errors, not skips).
CRD_KINDS = {
    "ServiceMonitor": "monitoring.coreos.com/servicemonitor_v1.json",
    "PrometheusRule": "monitoring.coreos.com/prometheusrule_v1.json",
    "PodMonitoring": "monitoring.googleapis.com/podmonitoring_v1.json",
    "Rules": "monitoring.googleapis.com/rules_v1.json",
    "Gateway": "gateway.networking.k8s.io/gateway_v1.json",
    "HTTPRoute": "gateway.networking.k8s.io/httproute_v1.json",
}
# GKE's policy CRDs have no JSON schema here: validated by validate_gke_policy.js instead.
NODE_VALIDATED = {"HealthCheckPolicy", "GCPBackendPolicy"}


def kubeconform(manifests: str, kube_version: str) -> dict:
    """Runs kubeconform -strict and returns its JSON report."""
    for version in KUBERNETES_VERSIONS:
        assert (SCHEMA_DIR / "kubernetes" / f"v{version}-standalone-strict").is_dir(), (
            f"no Kubernetes {version} schemas in {SCHEMA_DIR}: run `bash scripts/setup.sh`"
        )
    for schema in CRD_KINDS.values():
        assert (SCHEMA_DIR / "crds" / schema).is_file(), f"missing CRD schema {schema}: run `bash scripts/setup.sh`"
    result = run(
        [
            tool("kubeconform"),
            "-strict",
            "-output", "json",
            "-summary",
            "-verbose",
            "-kubernetes-version", kube_version,
            "-schema-location",
            f"{SCHEMA_DIR}/kubernetes/{{{{.NormalizedKubernetesVersion}}}}-standalone{{{{.StrictSuffix}}}}"
            "/{{.ResourceKind}}{{.KindSuffix}}.json",
            "-schema-location", f"{SCHEMA_DIR}/crds/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
            "-skip", ",".join(sorted(NODE_VALIDATED)),
            "-",
        ],
        input=manifests,
    )
    report = json.loads(result.stdout)
    report["returncode"] = result.returncode
    return report


@pytest.mark.parametrize("kube_version", KUBERNETES_VERSIONS)
def test_helm_lint_strict(scenario, kube_version, helm):
    result = run([tool(helm), "lint", "--strict", "--kube-version", kube_version, "--values", scenario, CHART])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout, result.stdout


@pytest.mark.parametrize("kube_version", KUBERNETES_VERSIONS)
def test_kubeconform_strict(scenario, kube_version):
    manifests = scenario_text(scenario, kube_version=kube_version)
    report = kubeconform(manifests, kube_version)
    problems = [r for r in report["resources"] if r["status"] not in ("statusValid", "statusSkipped")]
    assert report["returncode"] == 0 and not problems, json.dumps(problems, indent=2)
    skipped = {r["kind"] for r in report["resources"] if r["status"] == "statusSkipped"}
    assert skipped <= NODE_VALIDATED, f"kubeconform skipped {skipped - NODE_VALIDATED}"
    documents = sum(1 for d in yaml.safe_load_all(manifests) if d)
    assert report["summary"]["valid"] + report["summary"]["skipped"] == documents


def test_schemas_reject_unknown_fields(default_objects):
    """The validation can fail: an unknown field in a Deployment and in a CRD object are both reported."""
    broken = [json.loads(json.dumps(o)) for o in default_objects if o["kind"] in ("Deployment", "PodMonitoring")]
    broken[0]["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    broken[1]["spec"]["endpoints"][0]["intervall"] = "30s"
    report = kubeconform(yaml.safe_dump_all(broken), KUBERNETES_VERSIONS[0])
    invalid = {r["kind"] for r in report["resources"] if r["status"] == "statusInvalid"}
    assert invalid == {"Deployment", "PodMonitoring"}


def gke_policies(objects) -> list:
    return [o for o in objects if o["kind"] in NODE_VALIDATED]


def validate_with_gke_models(objects) -> subprocess.CompletedProcess:
    assert (NODE_MODULES / "@kubernetes-models" / "gke").is_dir(), "run `bash scripts/setup.sh`"
    return run(
        [tool("node"), ROOT / "tests" / "chart" / "validate_gke_policy.js"],
        input=json.dumps(objects),
        env={"CHART_NODE_MODULES": str(NODE_MODULES), "PATH": "/usr/bin:/bin"},
    )


def test_gke_policies_match_gke_crds(scenario):
    policies = gke_policies(scenario_objects(scenario))
    result = validate_with_gke_models(policies)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": valid") == len(policies), result.stdout


def test_gke_policy_validator_can_fail():
    gateway = CHART / "ci" / "gateway-existing-values.yaml"
    policies = {p["kind"]: p for p in gke_policies(scenario_objects(gateway))}
    assert set(policies) == NODE_VALIDATED
    typo = json.loads(json.dumps(policies["HealthCheckPolicy"]))
    typo["spec"]["default"]["config"]["httpHealthCheck"]["requestPth"] = "/readyz"
    bad_enum = json.loads(json.dumps(policies["HealthCheckPolicy"]))
    bad_enum["spec"]["default"]["config"]["type"] = "HTTPX"
    backend_typo = json.loads(json.dumps(policies["GCPBackendPolicy"]))
    backend_typo["spec"]["default"]["timeoutSecs"] = 6
    backend_type = json.loads(json.dumps(policies["GCPBackendPolicy"]))
    backend_type["spec"]["default"]["iap"]["enabled"] = "yes"
    for broken in (typo, bad_enum, backend_typo, backend_type):
        result = validate_with_gke_models([broken])
        assert result.returncode == 1 and "INVALID" in result.stdout, result.stdout + result.stderr
