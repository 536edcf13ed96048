"""The real-cluster suite (`make test-cluster`): which cluster it talks to, its tools, and the fixtures every
check builds on. Each check file covers one concern; new scenarios add a file and reuse these fixtures.

The cluster is the one `make cluster-up` runs on this machine, or, only through the explicit opt-in
E2E_KUBECONFIG, one of your own (see docs/cluster.md). The ambient KUBECONFIG is never read: every kubectl and
helm call gets --kubeconfig and an environment without KUBECONFIG.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "chart" / "hello-server"
VALUES_LOCAL = ROOT / "scripts" / "cluster" / "values-local.yaml"
TOOLS_BIN = ROOT / ".tools" / "bin"
CACHE = Path(os.environ.get("HELLO_CACHE_DIR", Path.home() / ".cache" / "hello-server"))
CLUSTER = CACHE / "cluster"
STATE = Path(os.environ.get("HELLO_CLUSTER_STATE", CLUSTER / "state"))
# Values every release of the suite adds to values-local.yaml: two replicas keep the PDB meaningful and leave
# room on a 2-CPU node for the releases that run side by side.
SUITE_VALUES = ["--set", "autoscaling.minReplicas=2"]
INSTALL_TIMEOUT = "5m"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HELM_CACHE_HOME"] = str(CACHE / "helm" / "cache")
    env["HELM_CONFIG_HOME"] = str(CACHE / "helm" / "config")
    env["HELM_DATA_HOME"] = str(CACHE / "helm" / "data")
    return env


def _tool(path: Path, what: str) -> Path:
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{what} missing at {path}: run `bash scripts/setup.sh`")
    return path


@dataclass
class Target:
    """The cluster under test and what the suite needs from it."""

    kubeconfig: Path
    image: str  # repository:tag the cluster's nodes can run
    pull_policy: str
    db_host: str
    db_password: str
    local: bool  # the cluster of `make cluster-up` on this machine
    description: str
    toolbox: str  # a busybox image (uid 65532) for ephemeral debug containers and client pods


def _target() -> Target:
    explicit = os.environ.get("E2E_KUBECONFIG")
    if explicit:
        missing = [v for v in ("E2E_IMAGE", "E2E_DATABASE_HOST", "E2E_DATABASE_PASSWORD_FILE") if not os.environ.get(v)]
        if missing:
            pytest.fail(f"E2E_KUBECONFIG is set but {', '.join(missing)} is not (see docs/cluster.md)")
        return Target(
            kubeconfig=Path(explicit),
            image=os.environ["E2E_IMAGE"],
            pull_policy=os.environ.get("E2E_IMAGE_PULL_POLICY", "IfNotPresent"),
            db_host=os.environ["E2E_DATABASE_HOST"],
            db_password=Path(os.environ["E2E_DATABASE_PASSWORD_FILE"]).read_text().strip(),
            local=False,
            description=f"E2E_KUBECONFIG={explicit}",
            toolbox=os.environ.get("E2E_TOOLBOX_IMAGE", "busybox:1.36"),
        )
    kubeconfig = STATE / "admin.kubeconfig"
    if not kubeconfig.is_file():
        pytest.fail(
            f"no local cluster ({kubeconfig} missing): run `make cluster-up` first, or `make test-cluster`, which "
            "brings one up; to use a cluster of your own set E2E_KUBECONFIG (docs/cluster.md)"
        )
    image_ref = CLUSTER / "images" / "hello-server.tar.ref"
    if not image_ref.is_file():
        pytest.fail(f"no image loaded ({image_ref} missing): run `make cluster-up`")
    return Target(
        kubeconfig=kubeconfig,
        image=image_ref.read_text().strip(),
        pull_policy="Never",
        db_host="postgres.hello-db.svc.cluster.local",
        db_password=(STATE / "db-password").read_text().strip(),
        local=True,
        description=f"local cluster ({kubeconfig})",
        toolbox=(CLUSTER / "images" / "toolbox.tar.ref").read_text().strip(),
    )


class Kube:
    """kubectl against the target only."""

    def __init__(self, target: Target):
        kubectl = CLUSTER / "bin" / "kubectl" if target.local else Path(os.environ.get("E2E_KUBECTL", "kubectl"))
        self.kubectl = str(_tool(kubectl, "kubectl") if target.local else kubectl)
        self.kubeconfig = str(target.kubeconfig)

    def run(self, *args: str, input: str | None = None, check: bool = True, timeout: float = 180):
        result = subprocess.run(
            [self.kubectl, "--kubeconfig", self.kubeconfig, *args],
            input=input, capture_output=True, text=True, timeout=timeout, env=_clean_env(), check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}{result.stdout}")
        return result

    def json(self, *args: str) -> dict:
        return json.loads(self.run(*args, "-o", "json").stdout)

    def apply(self, manifest: dict | str, *extra: str, check: bool = True):
        text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest)
        return self.run("apply", "--server-side", "--field-manager=hello-e2e", "-f", "-", *extra, input=text, check=check)

    def wait_for(self, what: str, predicate, timeout: float = 120, interval: float = 1.0):
        """Polls predicate() until it returns a truthy value; fails naming `what`."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


class Helm:
    """One Helm binary (4 or 3) against the target only."""

    def __init__(self, binary: Path, kubeconfig: Path):
        self.binary = str(binary)
        self.kubeconfig = str(kubeconfig)

    def version(self) -> str:
        return self("version", "--template", "{{.Version}}").stdout.strip()

    def __call__(self, *args: str, check: bool = True, timeout: float = 600):
        result = subprocess.run(
            [self.binary, "--kubeconfig", self.kubeconfig, *args],
            capture_output=True, text=True, timeout=timeout, env=_clean_env(), check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{Path(self.binary).name} {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stderr}{result.stdout}")
        return result


@dataclass
class Namespaces:
    """Restricted namespaces with the database Secret, deleted at the end of the test that made them."""

    kube: Kube
    target: Target
    made: list[str] = field(default_factory=list)

    def create(self, prefix: str) -> str:
        name = f"{prefix}-{secrets.token_hex(3)}"
        self.kube.apply({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "hello-server.test/suite": "cluster-e2e",
            }},
        })
        self.made.append(name)
        self.kube.run("-n", name, "create", "secret", "generic", "hello-db-credentials",
                      f"--from-literal=password={self.target.db_password}")
        return name

    def delete_all(self):
        for name in self.made:
            self.kube.run("delete", "namespace", name, "--wait=true", "--timeout=180s", check=False, timeout=200)


@dataclass
class Release:
    name: str
    namespace: str
    helm: Helm
    kube: Kube

    @property
    def selector(self) -> str:
        return f"app.kubernetes.io/instance={self.name},app.kubernetes.io/name=hello-server"

    def pods(self) -> list[dict]:
        pods = self.kube.json("-n", self.namespace, "get", "pods", "-l", self.selector)["items"]
        return [p for p in pods if p["metadata"].get("deletionTimestamp") is None]

    def service(self, component: str | None = None) -> dict:
        selector = f"app.kubernetes.io/instance={self.name}," + (
            f"app.kubernetes.io/component={component}" if component else "app.kubernetes.io/component!=metrics")
        (service,) = self.kube.json("-n", self.namespace, "get", "services", "-l", selector)["items"]
        return service

    def manifest(self) -> list[dict]:
        """The objects Helm rendered for this release (helm get manifest)."""
        text = self.helm("get", "manifest", self.name, "-n", self.namespace).stdout
        return [d for d in yaml.safe_load_all(text) if d]


def install(helm: Helm, kube: Kube, target: Target, namespace: str, name: str, *extra: str,
            command: str = "install") -> Release:
    repository, _, tag = target.image.rpartition(":")
    helm(command, name, str(CHART), "--namespace", namespace, "--values", str(VALUES_LOCAL),
         "--set", f"image.repository={repository}", "--set", f"image.tag={tag}",
         "--set", f"image.pullPolicy={target.pull_policy}", "--set", f"database.host={target.db_host}",
         *SUITE_VALUES, *extra, "--wait", "--timeout", INSTALL_TIMEOUT)
    return Release(name=name, namespace=namespace, helm=helm, kube=kube)


def pod_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


def http_get(url: str, accept: str | None = None, timeout: float = 10) -> Response:
    """GET from this host; 4xx/5xx are returned, not raised."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(response.status, {k.lower(): v for k, v in response.headers.items()},
                            response.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())


def service_url(service: dict, port_name: str) -> str:
    (port,) = [p["port"] for p in service["spec"]["ports"] if p["name"] == port_name]
    return f"http://{service['spec']['clusterIP']}:{port}"


# --------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def target() -> Target:
    return _target()


@pytest.fixture(scope="session")
def kube(target) -> Kube:
    kube = Kube(target)
    ready = kube.run("get", "--raw", "/readyz", check=False, timeout=20)
    if ready.returncode != 0:
        pytest.fail(f"the API server of the {target.description} is not ready: {ready.stderr.strip()} "
                    "(`make cluster-up` starts the local one)")
    return kube


@pytest.fixture(scope="session")
def helm4(target) -> Helm:
    helm = Helm(_tool(TOOLS_BIN / "helm", "Helm 4 (.tools/bin/helm)"), target.kubeconfig)
    assert helm.version().startswith("v4."), f".tools/bin/helm is {helm.version()}, not Helm 4"
    return helm


@pytest.fixture(scope="session")
def helm3(target) -> Helm:
    helm = Helm(_tool(TOOLS_BIN / "helm3", "Helm 3 (.tools/bin/helm3)"), target.kubeconfig)
    assert helm.version().startswith("v3."), f".tools/bin/helm3 is {helm.version()}, not Helm 3"
    return helm


@pytest.fixture
def namespaces(kube, target):
    made = Namespaces(kube, target)
    yield made
    made.delete_all()


@pytest.fixture(scope="session")
def app(kube, helm4, target):
    """One release installed with Helm 4 in its own restricted namespace, shared by the read-only checks.
    Checks that change a release (rollouts, evictions, outages) install their own."""
    made = Namespaces(kube, target)
    namespace = made.create("e2e-app")
    try:
        yield install(helm4, kube, target, namespace, "app")
    finally:
        made.delete_all()
