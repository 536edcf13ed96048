"""Assertions on the parsed HCL of the GKE monitoring path: credentials only through Secret Manager and
sensitive values, the rendering module free of providers, the dashboards created from the generated files."""

from __future__ import annotations

import re

import hcl2

from conftest import HCL_OPTIONS, ROOT, TERRAFORM_DIR

MODULE_DIR = TERRAFORM_DIR / "modules" / "gmp-alertmanager-config"


def test_monitoring_files_exist():
    for name in ("alertmanager.tf", "monitoring.tf"):
        assert (TERRAFORM_DIR / name).is_file(), name
    generated = {p.name for p in (TERRAFORM_DIR / "dashboards").glob("*.json")}
    assert generated == {p.name for p in (ROOT / "dashboards").glob("*.json")}


def test_alertmanager_module_needs_no_provider_and_hides_credentials():
    module: dict[str, list] = {}
    for path in sorted(MODULE_DIR.glob("*.tf")):
        with path.open() as handle:
            for block_type, blocks in hcl2.load(handle, serialization_options=HCL_OPTIONS).items():
                module.setdefault(block_type, []).extend(blocks)
    assert "resource" not in module and "data" not in module and "provider" not in module
    (settings,) = module["terraform"]
    assert "required_providers" not in settings, "the module renders YAML only"
    variables = {name: body for block in module["variable"] for name, body in block.items()}
    assert variables["receivers"]["sensitive"] is True
    outputs = {name: body for block in module["output"] for name, body in block.items()}
    assert outputs["config_yaml"]["sensitive"] is True


def test_credentials_come_from_secret_manager(tf, variables, outputs):
    (data,) = [b["google_secret_manager_secret_version"] for b in tf["data"] if "google_secret_manager_secret_version" in b]
    assert data["alert_receiver"]["project"] == "${var.project_id}"
    receiver = variables["alert_receivers"]
    assert receiver["default"] == {}
    assert "credential" not in str(receiver["type"]), "credentials must never be Terraform variables of the root"
    assert outputs["alertmanager_config"]["sensitive"] is True


def test_dashboards_and_apis(resource, locals_):
    dashboard = resource("google_monitoring_dashboard", "hello_server")
    assert "fileset(\"${path.module}/dashboards\", \"*.json\")" in dashboard["for_each"]
    services = set(re.findall(r'"([a-z]+\.googleapis\.com)"', locals_["services"]))
    assert {"monitoring.googleapis.com", "secretmanager.googleapis.com"} <= services
