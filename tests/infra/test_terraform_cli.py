"""Terraform itself: formatting, `validate` against the real hashicorp/google provider schema (from the
local filesystem mirror built by scripts/setup/40-infra-tools.sh) and `terraform test` with a mocked provider."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import PROVIDER_MIRROR, TERRAFORM_DIR, run

TF_TESTS = TERRAFORM_DIR.parent / "tests" / "infra" / "terraform"


def test_fmt_is_clean(terraform_bin):
    result = run([terraform_bin, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)])
    assert result.returncode == 0, result.stdout + result.stderr
    result = run([terraform_bin, "fmt", "-check", "-recursive", "-diff", str(TF_TESTS)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def initialised(terraform_bin, tmp_path_factory):
    """A copy of terraform/ initialised offline against the provider mirror (the real tree stays clean)."""
    provider = PROVIDER_MIRROR / "registry.terraform.io" / "hashicorp" / "google"
    assert any(provider.glob("*/linux_amd64/terraform-provider-google_v*")), (
        f"google provider missing from {PROVIDER_MIRROR}: run `bash scripts/setup.sh`")
    work = tmp_path_factory.mktemp("tf")
    config = work / "cli.tfrc"
    config.write_text(
        'provider_installation {\n'
        f'  filesystem_mirror {{\n    path = "{PROVIDER_MIRROR}"\n  }}\n'
        '}\n'
    )
    module = work / "terraform"
    shutil.copytree(TERRAFORM_DIR, module, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    shutil.copytree(TF_TESTS, module / "tests")
    env = {"TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
           "PATH": "/usr/bin:/bin", "HOME": str(work)}
    result = run([terraform_bin, "init", "-backend=false", "-input=false", "-no-color"], cwd=module, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return module, env


def test_validate_with_the_real_provider_schema(terraform_bin, initialised):
    module, env = initialised
    result = run([terraform_bin, "validate", "-json", "-no-color"], cwd=module, env=env)
    report = json.loads(result.stdout)
    problems = [f'{d["severity"]}: {d["summary"]}: {d.get("detail", "")}' for d in report["diagnostics"]]
    assert report["valid"] and result.returncode == 0, "\n".join(problems)
    assert problems == [], "\n".join(problems)


def test_terraform_test_with_mocked_provider(terraform_bin, initialised):
    module, env = initialised
    result = run([terraform_bin, "test", "-no-color"], cwd=module, env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "0 failed" in result.stdout, result.stdout
