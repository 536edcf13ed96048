"""The version-bump check (chart_version.py) on small throwaway repositories laid out like this one: it fails
for a packaged change without a bump, passes with one, ignores files `helm package` leaves out, and treats a
branch as one change against its merge base."""

import os
import pathlib
import subprocess

import pytest

import chart_version
from conftest import tool

TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  greeting: {{ .Values.greeting }}\n"


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def commit(repo, message, files):
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def chart_yaml(version):
    return f"apiVersion: v2\nname: hello-server\nversion: {version}\n"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> pathlib.Path:
    """main with one chart commit: a chart whose files/alerts symlink points at alerts/, as in this repository."""
    monkeypatch.delenv("CHART_BASE_REF", raising=False)
    for key, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                       "GIT_COMMITTER_EMAIL": "t@example.com"}.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    chart = repo / "chart" / "hello-server"
    (chart / "files").mkdir(parents=True)
    os.symlink("../../../alerts", chart / "files" / "alerts")
    commit(repo, "chart", {
        "chart/hello-server/Chart.yaml": chart_yaml("0.1.0"),
        "chart/hello-server/values.yaml": "greeting: hello\n",
        "chart/hello-server/templates/cm.yaml": TEMPLATE,
        "chart/hello-server/.helmignore": "files/alerts/tests/\n",
        "alerts/slo.yaml": "groups: []\n",
        "alerts/tests/slo-test.yaml": "tests: []\n",
        "README.md": "repo\n",
    })
    return repo


def verdict(repo):
    try:
        return True, chart_version.check(repo, tool("helm"))
    except chart_version.CheckError as error:
        return False, str(error)


def test_on_main_a_change_without_a_bump_fails_and_a_bump_passes(repo):
    commit(repo, "docs only", {"README.md": "repo, more\n"})
    ok, text = verdict(repo)
    assert ok and "first commit of the chart" in text, text
    commit(repo, "change a value", {"chart/hello-server/values.yaml": "greeting: hi\n"})
    ok, text = verdict(repo)
    assert not ok and "values.yaml" in text and "0.1.0 is not above 0.1.0" in text, text
    commit(repo, "bump", {"chart/hello-server/Chart.yaml": chart_yaml("0.1.1")})
    ok, text = verdict(repo)
    assert ok and "0.1.0 -> 0.1.1" in text, text


def test_symlinked_files_count_and_ignored_files_do_not(repo):
    commit(repo, "bump", {"chart/hello-server/Chart.yaml": chart_yaml("0.2.0")})
    commit(repo, "rule unit test only", {"alerts/tests/slo-test.yaml": "tests: [1]\n"})
    ok, text = verdict(repo)
    assert ok and "0.1.0 -> 0.2.0" in text, f"the unpackaged change is skipped over: {text}"
    commit(repo, "alert rule", {"alerts/slo.yaml": "groups: [{name: a, rules: []}]\n"})
    ok, text = verdict(repo)
    assert not ok and "files/alerts/slo.yaml" in text, text


def test_a_branch_is_one_change_against_its_merge_base(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, "bump first", {"chart/hello-server/Chart.yaml": chart_yaml("0.1.1")})
    commit(repo, "then change", {"chart/hello-server/templates/cm.yaml": TEMPLATE + "  extra: x\n"})
    ok, text = verdict(repo)
    assert ok and "merge base with main" in text, text
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "forgot")
    commit(repo, "change", {"chart/hello-server/templates/cm.yaml": TEMPLATE + "  extra: y\n"})
    ok, text = verdict(repo)
    assert not ok and "merge base with main" in text and "templates/cm.yaml" in text, text


def test_lowering_the_version_fails(repo):
    commit(repo, "down", {"chart/hello-server/Chart.yaml": chart_yaml("0.0.9")})
    ok, text = verdict(repo)
    assert not ok and "0.0.9 is not above 0.1.0" in text, text
