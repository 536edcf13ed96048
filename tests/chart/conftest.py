"""Shared helpers for the chart tests: tool lookup (a missing tool fails, never skips) and rendering."""

import functools
import os
import pathlib
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "chart" / "hello-server"
SCENARIOS = sorted(CHART.glob("ci/*-values.yaml"))
SCENARIO_IDS = [path.name.removesuffix("-values.yaml") for path in SCENARIOS]
DEFAULT_SCENARIO = CHART / "ci" / "default-values.yaml"
RELEASE, NAMESPACE = "hello", "hello"
# Kubernetes versions validated: the chart's minimum and the newest the schema package ships.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")
SCHEMA_DIR = pathlib.Path(
    os.environ.get("HELLO_SCHEMA_CACHE", pathlib.Path.home() / ".cache" / "hello-server" / "schemas")
)
TOOLS_BIN = ROOT / ".tools" / "bin"
# The Helm majors users run: `helm` is Helm 4, `helm3` the last Helm 3 (scripts/setup/20-chart-tools.sh).
HELMS = ("helm", "helm3")
NODE_MODULES = ROOT / ".tools" / "node-chart" / "node_modules"
CHECKOV = ROOT / ".tools" / "venv-chart-checkov" / "bin" / "checkov"


def tool(name: str) -> str:
    """Absolute path of a required tool; fails the test (not skips) when setup has not installed it."""
    found = shutil.which(name, path=f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.fail(f"required tool '{name}' not found: run `bash scripts/setup.sh`")
    return found


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)


def helm_template(*values_files, sets=(), kube_version=None, chart=CHART, check=True, helm="helm", release=RELEASE,
                  extra_args=()):
    """`helm template` output; with check=False the CompletedProcess (to assert on failures)."""
    args = [tool(helm), "template", release, chart, "--namespace", NAMESPACE, *extra_args]
    for values in values_files:
        args += ["--values", values]
    for item in sets:
        args += ["--set", item]
    if kube_version:
        args += ["--kube-version", kube_version]
    result = run(args)
    if not check:
        return result
    assert result.returncode == 0, f"{helm} template failed:\n{result.stderr}"
    return result.stdout


def render(*values_files, sets=(), **kwargs) -> list:
    """Rendered objects (parsed), test hooks included."""
    text = helm_template(*values_files, sets=sets, **kwargs)
    return [doc for doc in yaml.safe_load_all(text) if doc]


@functools.cache
def scenario_text(values_file: pathlib.Path, kube_version=None, helm="helm") -> str:
    """Rendered scenario, cached: several tests read the same render. Helm 4 and Helm 3 render every scenario
    byte for byte alike (test_helm_majors.py), so the checks of a render hold for both."""
    return helm_template(values_file, kube_version=kube_version, helm=helm)


def scenario_objects(values_file: pathlib.Path) -> list:
    return [doc for doc in yaml.safe_load_all(scenario_text(values_file)) if doc]


def find(objects, kind, name=None) -> list:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def one(objects, kind, name=None) -> dict:
    matches = find(objects, kind, name)
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def pod_specs(objects):
    """(owner, pod spec) for every workload and bare pod."""
    for obj in objects:
        if obj["kind"] == "Pod":
            yield f"Pod/{obj['metadata']['name']}", obj["spec"]
        elif obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield f"{obj['kind']}/{obj['metadata']['name']}", obj["spec"]["template"]["spec"]


def containers(spec):
    return spec.get("initContainers", []) + spec["containers"]


@pytest.fixture(scope="session", params=SCENARIOS, ids=SCENARIO_IDS)
def scenario(request) -> pathlib.Path:
    return request.param


@pytest.fixture(scope="session", params=HELMS)
def helm(request) -> str:
    """Each Helm major in turn (as the tool name)."""
    return request.param


@pytest.fixture(scope="session")
def default_objects():
    return scenario_objects(DEFAULT_SCENARIO)
