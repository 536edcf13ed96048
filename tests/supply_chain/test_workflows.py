"""The GitHub Actions workflows: actionlint (with shellcheck on every run: step) passes, and every make target the
workflows call exists and is one `make test` exercises."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT, ok, run, tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# Targets the workflows call, and the test that runs each of them here.
TESTED_TARGETS = {
    "release-image": "test_release_signing.py runs `make release-image` (dev profile)",
    "release": "test_release_signing.py runs `make release` against a local registry",
}


def workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def test_actionlint_passes():
    assert WORKFLOWS, "no workflows"
    ok(run(["make", "--no-print-directory", "lint-workflows"]))


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """Guards the previous test: actionlint really reads workflows (an unknown event and a shell error)."""
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    (broken / "broken.yml").write_text(
        "on: pushed\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $UNQUOTED $((\n")
    result = run([tool("actionlint"), "-no-color", str(broken / "broken.yml")], cwd=tmp_path)
    assert result.returncode != 0
    assert "pushed" in result.stdout


def test_ci_runs_the_same_entry_point_as_every_machine():
    ci = workflow("ci.yml")
    steps = ci["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps), steps
    assert ci["jobs"]["test"]["timeout-minutes"] <= 90
    assert "workflow_call" in ci[True]  # PyYAML reads the `on:` key as True


def test_release_runs_on_version_tags_after_the_tests():
    release = workflow("release.yml")
    assert release[True]["push"]["tags"] == ["v*.*.*"]
    assert release["jobs"]["test"]["uses"] == "./.github/workflows/ci.yml"
    assert release["jobs"]["release"]["needs"] == "test"
    # Keyless: an OIDC token for Workload Identity Federation, no key material in secrets.
    assert release["jobs"]["release"]["permissions"]["id-token"] == "write"
    assert "secrets." not in (ROOT / ".github" / "workflows" / "release.yml").read_text()


def test_every_make_target_the_workflows_call_is_tested_here():
    called = set()
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                for match in re.finditer(r"(?m)^\s*make\s+([a-z][\w-]*)", step.get("run", "")):
                    called.add(match.group(1))
    assert called == set(TESTED_TARGETS), f"workflows call {sorted(called)}; map each to its test in TESTED_TARGETS"
    for target in called:
        dry = run(["make", "--no-print-directory", "-n", target, "RELEASE_REPOSITORY=example.invalid/x"])
        assert dry.returncode == 0, f"make {target}: {dry.stderr}"
