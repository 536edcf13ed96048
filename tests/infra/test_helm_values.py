"""The `helm_values` output, rendered by Terraform itself, is a valid values file for the chart."""

from __future__ import annotations

import base64
import copy
import json
import re

import jsonschema
import pytest
import yaml

from conftest import CHART_DIR, TERRAFORM_DIR, run

TEMPLATE = TERRAFORM_DIR / "helm-values.yaml.tftpl"
SCHEMA = CHART_DIR / "values.schema.json"

# What `terraform apply` produces for project "acme-hello-prod" with the defaults.
SAMPLE = {
    "namespace": "hello",
    "image_repository": "us-central1-docker.pkg.dev/acme-hello-prod/hello-server/hello-server",
    "project_id": "acme-hello-prod",
    "kubernetes_service_account": "hello-server",
    "gcp_service_account": "hello-server@acme-hello-prod.iam.gserviceaccount.com",
    "database_name": "hello",
    "database_user": "hello-server@acme-hello-prod.iam",
    "instance_connection_name": "acme-hello-prod:us-central1:hello-postgres",
    "image_digest": "sha256:" + "a1" * 32,
    "proxy_image_digest": "sha256:" + "b2" * 32,
}


def _hcl_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid HCL string literal


@pytest.fixture(scope="module")
def template_arguments(outputs) -> set[str]:
    expression = outputs["helm_values"]["value"]
    assert "helm-values.yaml.tftpl" in expression
    return set(re.findall(r"(\w+)\s*=", expression))


def _render(terraform_bin: str, workdir, sample: dict) -> dict:
    """The template rendered by `terraform console` (Terraform's own templatefile)."""
    arguments = ", ".join(f"{key} = {_hcl_string(value)}" for key, value in sample.items())
    expression = f'base64encode(templatefile({_hcl_string(str(TEMPLATE))}, {{ {arguments} }}))'
    result = run([terraform_bin, "console"], cwd=workdir, input=expression + "\n")
    assert result.returncode == 0, result.stderr
    text = base64.b64decode(result.stdout.strip().strip('"')).decode()
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def rendered(terraform_bin, tmp_path_factory) -> dict:
    """Release values: both images pinned by digest."""
    return _render(terraform_bin, tmp_path_factory.mktemp("console"), SAMPLE)  # no configuration: no provider


@pytest.fixture(scope="module")
def rendered_before_first_release(terraform_bin, tmp_path_factory) -> dict:
    """The first apply, before any image exists: no digests yet."""
    sample = dict(SAMPLE, image_digest="", proxy_image_digest="")
    return _render(terraform_bin, tmp_path_factory.mktemp("console"), sample)


def test_template_uses_exactly_the_arguments_terraform_passes(template_arguments):
    placeholders = set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text()))
    assert placeholders == template_arguments
    assert placeholders == set(SAMPLE)


def test_rendered_values_carry_the_identity_and_database_wiring(rendered):
    assert rendered["serviceAccount"] == {
        "create": True,
        "name": "hello-server",
        "gcpServiceAccount": "hello-server@acme-hello-prod.iam.gserviceaccount.com",
    }
    assert rendered["database"]["auth"]["mode"] == "iam"
    assert rendered["database"]["user"] == "hello-server@acme-hello-prod.iam"
    assert rendered["cloudSqlProxy"]["instanceConnectionName"] == "acme-hello-prod:us-central1:hello-postgres"
    assert rendered["cloudSqlProxy"]["privateIp"] is True
    assert rendered["googleCloudProject"] == "acme-hello-prod"


def test_release_values_pin_both_images_by_digest(rendered):
    assert rendered["image"] == {"repository": SAMPLE["image_repository"], "digest": SAMPLE["image_digest"]}
    assert rendered["cloudSqlProxy"]["image"] == {"digest": SAMPLE["proxy_image_digest"]}


def test_values_before_the_first_release_carry_no_digest(rendered_before_first_release):
    assert rendered_before_first_release["image"] == {"repository": SAMPLE["image_repository"]}
    assert "image" not in rendered_before_first_release["cloudSqlProxy"]


def _merge(base: dict, overlay: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def test_rendered_values_validate_against_the_chart_schema(rendered):
    assert SCHEMA.is_file(), f"{SCHEMA} is missing"
    schema = json.loads(SCHEMA.read_text())
    defaults = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    # Helm validates the chart defaults merged with the user's values.
    jsonschema.validate(_merge(defaults, rendered), schema)


def test_schema_rejects_a_broken_values_document(rendered):
    """Guards the previous test against a schema that accepts anything."""
    schema = json.loads(SCHEMA.read_text())
    defaults = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    broken = _merge(defaults, _merge(rendered, {"database": {"auth": {"mode": "kerberos"}}}))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_helm_renders_the_chart_with_the_generated_values(rendered, helm_bin, tmp_path):
    values = tmp_path / "values-gke.yaml"
    values.write_text(yaml.safe_dump(rendered))
    result = run([helm_bin, "template", "hello", str(CHART_DIR), "-n", "hello", "-f", str(values)])
    assert result.returncode == 0, result.stderr
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    accounts = [d for d in documents if d["kind"] == "ServiceAccount"]
    assert [a["metadata"]["name"] for a in accounts] == ["hello-server"]
    assert accounts[0]["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == SAMPLE["gcp_service_account"]
    assert SAMPLE["instance_connection_name"] in result.stdout
    # Both containers run exactly the signed digests Binary Authorization admits, not a tag.
    images = {c["name"]: c["image"] for d in documents if d["kind"] == "Deployment"
              for c in d["spec"]["template"]["spec"]["containers"] + d["spec"]["template"]["spec"].get("initContainers", [])}
    assert f'{SAMPLE["image_repository"]}@{SAMPLE["image_digest"]}' in images.values(), images
    assert f'gcr.io/cloud-sql-connectors/cloud-sql-proxy@{SAMPLE["proxy_image_digest"]}' in images.values(), images
