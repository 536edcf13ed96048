"""Helm 4 and Helm 3 both install the chart: the pinned builds, their default Kubernetes version, the same
render of every scenario, and a schema that both majors' null handling accepts.

Helm 4 (and Helm 3.16) deletes keys set to `null` before validating against values.schema.json, Helm 3.22 keeps
them: a key that may be null, or that a user may legitimately leave out, must therefore never be `required`."""

import json
import re

import pytest
import yaml

from conftest import CHART, DEFAULT_SCENARIO, HELMS, ROOT, SCENARIOS, SCENARIO_IDS, helm_template, run, scenario_text, tool

SETUP = (ROOT / "scripts" / "setup" / "20-chart-tools.sh").read_text()
PINNED = {
    "helm": re.search(r"^HELM_VERSION=(\S+)$", SETUP, re.M).group(1),
    "helm3": re.search(r"^HELM3_VERSION=(\S+)$", SETUP, re.M).group(1),
}
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())


@pytest.mark.parametrize("helm,major", [("helm", "v4."), ("helm3", "v3.")])
def test_pinned_helm_builds(helm, major):
    version = run([tool(helm), "version", "--template", "{{ .Version }}"]).stdout.strip()
    assert version == PINNED[helm] and version.startswith(major), version


def test_default_kubernetes_version_is_current(helm, tmp_path):
    """Without a cluster `helm template` / `helm lint` assume a Kubernetes version; a go-installed Helm without
    its version wiring assumes 1.20, which the chart's kubeVersion (>=1.29) rejects."""
    chart = tmp_path / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.0.1\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version }}\n"
    )
    rendered = yaml.safe_load(helm_template(chart=chart, helm=helm))
    assert rendered["data"]["kube"] == "v1.37.0"


def documents(text: str) -> list:
    """The rendered documents as text. Helm 4 ends each with an empty line, Helm 3 does not: that is all."""
    return [doc.strip() for doc in text.split("\n---\n")]


@pytest.mark.parametrize("values", SCENARIOS, ids=SCENARIO_IDS)
def test_helm3_renders_every_scenario_like_helm4(values):
    """Document for document, comments included: so every check made on Helm 4's render (kubeconform, pod
    security, checkov, behaviour) holds for Helm 3's as well."""
    helm4, helm3 = documents(scenario_text(values, helm="helm")), documents(scenario_text(values, helm="helm3"))
    assert len(helm4) >= 10
    assert helm3 == helm4


def schema_nodes(node, path=""):
    """(path, object schema) for every object schema with properties, definitions excluded."""
    if isinstance(node, dict):
        if "properties" in node:
            yield path, node
            for key, child in node["properties"].items():
                yield from schema_nodes(child, f"{path}.{key}" if path else key)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                yield from schema_nodes(node[key], f"{path}[]")


def test_no_nullable_key_is_required():
    offenders = [
        f"{path}.{key}" if path else key
        for path, node in schema_nodes({k: v for k, v in SCHEMA.items() if k != "definitions"})
        for key in node.get("required", [])
        if "null" in (node["properties"][key].get("type") or [])
    ]
    assert not offenders, f"nullable and required: {offenders}"


def defaults_that_are_null(values, path=""):
    for key, value in values.items():
        here = f"{path}.{key}" if path else key
        if value is None:
            yield here
        elif isinstance(value, dict):
            yield from defaults_that_are_null(value, here)


def test_keys_defaulting_to_null_are_not_required():
    nulls = list(defaults_that_are_null(VALUES))
    assert nulls, "expected keys whose default is null (e.g. autoscaling.targetMemoryUtilizationPercentage)"
    for dotted in nulls:
        *parents, key = dotted.split(".")
        node = SCHEMA
        for part in parents:
            node = node["properties"][part]
        assert key not in node.get("required", []), dotted


def optional_keys(schema, values, path=()):
    """Paths of the keys in values.yaml the schema does not require (recursing into required objects)."""
    for key, value in values.items():
        child = schema.get("properties", {}).get(key, {})
        if key not in schema.get("required", []):
            yield path + (key,)
        elif isinstance(value, dict) and "properties" in child:
            yield from optional_keys(child, value, path + (key,))


# Optional in the schema because their requirement depends on other keys; validate.tpl names them when missing.
REQUIRED_BY_VALIDATE_TPL = {
    ("image", "repository"), ("serviceAccount", "gcpServiceAccount"), ("cloudSqlProxy", "instanceConnectionName"),
}


def test_every_optional_key_may_be_left_out(helm, tmp_path):
    """All keys the schema does not require, set to null at once (so both majors drop them): the chart still
    installs, i.e. the templates handle their absence."""
    nulled = {}
    paths = list(optional_keys(SCHEMA, VALUES))
    assert len(paths) >= 30, paths
    for path in paths:
        if path in REQUIRED_BY_VALIDATE_TPL:
            continue
        node = nulled
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = None
    values = tmp_path / "nulls.yaml"
    values.write_text(yaml.safe_dump(nulled))
    objects = [d for d in yaml.safe_load_all(helm_template(DEFAULT_SCENARIO, values, helm=helm)) if d]
    assert {o["kind"] for o in objects} >= {"Deployment", "Service", "ConfigMap"}


@pytest.mark.parametrize("helm_binary", HELMS)
def test_null_memory_target_is_accepted(helm_binary):
    """The key the first Helm 4 install tripped over: `null` in values.yaml and on the command line."""
    rendered = helm_template(DEFAULT_SCENARIO, sets=["autoscaling.targetMemoryUtilizationPercentage=null"],
                             helm=helm_binary)
    assert "kind: HorizontalPodAutoscaler" in rendered and "name: memory" not in rendered
