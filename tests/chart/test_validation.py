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
    SCENARIOS,
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


def kubeconform(inputs, kube_version: str) -> dict:
    """Runs kubeconform -strict over manifest files (or text on stdin) and returns its JSON report."""
    for version in KUBERNETES_VERSIONS:
        assert (SCHEMA_DIR / "kubernetes" / f"v{version}-standalone-strict").is_dir(), (
            f"no Kubernetes {version} schemas in {SCHEMA_DIR}: run `bash scripts/setup.sh`"
        )
    for schema in CRD_KINDS.values():
        assert (SCHEMA_DIR / "crds" / schema).is_file(), f"missing CRD schema {schema}: run `bash scripts/setup.sh`"
    files = [inputs] if isinstance(inputs, str) else []
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
            *(["-"] if files else inputs),
        ],
        input=files[0] if files else None,
    )
    report = json.loads(result.stdout)
    report["returncode"] = result.returncode
    return report


@pytest.fixture(scope="module")
def kubeconform_reports(tmp_path_factory) -> dict:
    """{(scenario file name, Kubernetes version): resources} from one kubeconform run per version over every
    scenario (one process loads each schema once)."""
    reports = {}
    for version in KUBERNETES_VERSIONS:
        out = tmp_path_factory.mktemp(f"kubeconform-{version}")
        files = []
        for values in SCENARIOS:
            path = out / f"{values.name}.rendered.yaml"
            path.write_text(scenario_text(values, kube_version=version))
            files.append(path)
        report = kubeconform(files, version)
        for values, path in zip(SCENARIOS, files):
            reports[(values.name, version)] = [r for r in report["resources"] if r["filename"] == str(path)]
        reports[("returncode", version)] = report["returncode"]
    return reports


@pytest.mark.parametrize("kube_version", KUBERNETES_VERSIONS)
def test_helm_lint_strict(scenario, kube_version, helm):
    result = run([tool(helm), "lint", "--strict", "--kube-version", kube_version, "--values", scenario, CHART])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout, result.stdout


@pytest.mark.parametrize("kube_version", KUBERNETES_VERSIONS)
def test_kubeconform_strict(scenario, kube_version, kubeconform_reports):
    resources = kubeconform_reports[(scenario.name, kube_version)]
    problems = [r for r in resources if r["status"] not in ("statusValid", "statusSkipped")]
    assert not problems, json.dumps(problems, indent=2)
    skipped = {r["kind"] for r in resources if r["status"] == "statusSkipped"}
    assert skipped <= NODE_VALIDATED, f"kubeconform skipped {skipped - NODE_VALIDATED}"
    documents = sum(1 for d in yaml.safe_load_all(scenario_text(scenario, kube_version=kube_version)) if d)
    assert len(resources) == documents, "every document was validated"


def test_kubeconform_passed(kubeconform_reports):
    assert all(kubeconform_reports[("returncode", v)] == 0 for v in KUBERNETES_VERSIONS)


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


def test_gke_policies_match_gke_crds():
    """Every scenario's policies in one node process, each reported by scenario and name."""
    policies = []
    for values in SCENARIOS:
        for policy in gke_policies(scenario_objects(values)):
            policy = json.loads(json.dumps(policy))
            policy["metadata"]["name"] = f"{values.name}:{policy['metadata']['name']}"
            policies.append(policy)
    assert {p["kind"] for p in policies} == NODE_VALIDATED, "no scenario renders one of the GKE policies"
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
