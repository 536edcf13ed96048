"""`make chart-publish` against a real OCI registry: the CNCF distribution registry (Debian's docker-registry),
started here on a free loopback port with its own configuration and storage, stopped afterwards whatever
happens. The chart is pushed and signed with cosign (a throwaway key, no transparency log: offline), then
pulled, shown and rendered from oci:// by Helm 4 and Helm 3, its digest checked against the registry's and
the local archive's, and the signature verified; a chart swapped in under the same tag, or another key, fails
verification."""

import hashlib
import json
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request

import pytest
import yaml

from conftest import CHART, DEFAULT_SCENARIO, HELMS, ROOT, helm_template, run, tool

VERSION = yaml.safe_load((CHART / "Chart.yaml").read_text())["version"]
MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json"
HELM_CONFIG_TYPE = "application/vnd.cncf.helm.config.v1+json"
HELM_LAYER_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
START_TIMEOUT = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=5) as response:
        return response.status, dict(response.headers), response.read()


class Registry:
    """A docker-registry process on loopback; `marker` is a response header only this instance sends, so a
    port taken by someone else between choosing and binding is never mistaken for ours."""

    def __init__(self, workdir: pathlib.Path):
        self.port = free_port()
        self.marker = secrets.token_hex(8)
        self.host = f"127.0.0.1:{self.port}"
        config = workdir / "config.yml"
        config.write_text(yaml.safe_dump({
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(workdir / "storage")}, "delete": {"enabled": True}},
            "http": {"addr": self.host, "secret": secrets.token_hex(16), "headers": {"X-Test-Registry": [self.marker]}},
        }))
        self.log = open(workdir / "registry.log", "w")
        self.process = subprocess.Popen(
            [tool("docker-registry"), "serve", str(config)], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_until_serving(workdir)

    def wait_until_serving(self, workdir):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"docker-registry exited: {(workdir / 'registry.log').read_text()[-2000:]}")
            try:
                status, headers, _ = request(f"http://{self.host}/v2/")
                if status == 200 and headers.get("X-Test-Registry") == self.marker:
                    return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"docker-registry not serving on {self.host} after {START_TIMEOUT}s")

    def manifest(self, repository, reference):
        status, headers, body = request(
            f"http://{self.host}/v2/{repository}/manifests/{reference}", headers={"Accept": MANIFEST_TYPES}
        )
        assert headers.get("X-Test-Registry") == self.marker
        return headers["Docker-Content-Digest"], json.loads(body)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("oci")


@pytest.fixture(scope="module")
def registry(workdir):
    registry = Registry(workdir)
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="module")
def env(workdir) -> dict:
    """Helm's and cosign's state in the scratch directory, not the user's; no network beyond loopback."""
    home = workdir / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_DATA_HOME": str(home / "helm-data"),
        "COSIGN_PASSWORD": secrets.token_hex(8),
        "PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }


@pytest.fixture(scope="module")
def keys(workdir, env) -> dict:
    result = run([tool("cosign"), "generate-key-pair", "--output-key-prefix", workdir / "signer"], env=env)
    assert result.returncode == 0, result.stderr
    result = run([tool("cosign"), "generate-key-pair", "--output-key-prefix", workdir / "stranger"], env=env)
    assert result.returncode == 0, result.stderr
    # Key signing without a transparency log or timestamp authority: nothing leaves the machine.
    offline = workdir / "offline-signing.json"
    result = run([tool("cosign"), "signing-config", "create", "--out", offline], env=env)
    assert result.returncode == 0, result.stderr
    return {"private": workdir / "signer.key", "public": workdir / "signer.pub",
            "stranger": workdir / "stranger.pub", "signing_config": offline}


def make(target, registry_url, env, **variables):
    args = ["make", "--no-print-directory", "-C", ROOT, target, f"REGISTRY={registry_url}"]
    args += [f"{key}={value}" for key, value in variables.items()]
    return run(args, env=env)


def publish(registry, keys, env, repository):
    result = make(
        "chart-publish", f"oci://{registry.host}/{repository}", env,
        HELM_PUSH_FLAGS="--plain-http", COSIGN_KEY=keys["private"],
        COSIGN_FLAGS=f"--allow-http-registry --signing-config {keys['signing_config']}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("chart-publish: oci://")][-1]
    return line.split()[1].split("@")[1]


def verify(registry, key, env, repository):
    return make("chart-verify", f"oci://{registry.host}/{repository}", env, COSIGN_KEY=key,
                COSIGN_FLAGS="--allow-http-registry --insecure-ignore-tlog")


@pytest.fixture(scope="module")
def published(registry, keys, env) -> str:
    """Digest of the chart `make chart-publish` pushed (and signed) to oci://HOST/charts."""
    return publish(registry, keys, env, "charts")


def test_registry_holds_the_local_archive_under_the_published_digest(registry, published):
    digest, manifest = registry.manifest("charts/hello-server", VERSION)
    assert digest == published, "the tag points at the digest make chart-publish reported"
    assert manifest["config"]["mediaType"] == HELM_CONFIG_TYPE
    [layer] = [entry for entry in manifest["layers"] if entry["mediaType"] == HELM_LAYER_TYPE]
    archive = (ROOT / ".cache" / "chart" / f"hello-server-{VERSION}.tgz").read_bytes()
    assert layer["digest"] == "sha256:" + hashlib.sha256(archive).hexdigest()
    assert layer["size"] == len(archive)


@pytest.mark.parametrize("helm", HELMS)
def test_pull_show_and_template_from_oci(registry, published, env, helm, tmp_path):
    url = f"oci://{registry.host}/charts/hello-server"
    pulled = run([tool(helm), "pull", url, "--version", VERSION, "--plain-http", "--destination", tmp_path], env=env)
    assert pulled.returncode == 0, pulled.stderr
    assert f"Digest: {published}" in pulled.stdout + pulled.stderr
    _, manifest = registry.manifest("charts/hello-server", published)
    [layer] = [entry for entry in manifest["layers"] if entry["mediaType"] == HELM_LAYER_TYPE]
    archive = tmp_path / f"hello-server-{VERSION}.tgz"
    assert "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest() == layer["digest"]
    with tarfile.open(archive) as tar:
        assert tar.getmember("hello-server/files/alerts/slo-availability.yaml").isfile()

    shown = run([tool(helm), "show", "chart", url, "--version", VERSION, "--plain-http"], env=env)
    assert shown.returncode == 0, shown.stderr
    assert yaml.safe_load(shown.stdout) == yaml.safe_load((CHART / "Chart.yaml").read_text())

    from_registry = helm_template(DEFAULT_SCENARIO, chart=url, helm=helm,
                                  extra_args=("--version", VERSION, "--plain-http"))
    assert from_registry == helm_template(DEFAULT_SCENARIO, helm=helm)


def test_helm4_pulls_by_digest(registry, published, env, tmp_path):
    """A digest pins the exact archive, whatever the tag points at later."""
    result = run([tool("helm"), "pull", f"oci://{registry.host}/charts/hello-server@{published}", "--plain-http",
                  "--destination", tmp_path], env=env)
    assert result.returncode == 0, result.stderr
    [archive] = tmp_path.glob("hello-server*.tgz")
    _, manifest = registry.manifest("charts/hello-server", published)
    [layer] = [entry for entry in manifest["layers"] if entry["mediaType"] == HELM_LAYER_TYPE]
    assert "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest() == layer["digest"]


def test_signature_verifies_and_another_key_does_not(registry, published, keys, env):
    result = verify(registry, keys["public"], env, "charts")
    assert result.returncode == 0 and f"hello-server:{VERSION} is signed" in result.stdout, result.stderr
    result = verify(registry, keys["stranger"], env, "charts")
    assert result.returncode != 0, "a signature from another key was accepted"


def test_a_chart_swapped_in_under_the_signed_tag_fails_verification(registry, keys, env, workdir):
    signed = publish(registry, keys, env, "tamper")
    assert verify(registry, keys["public"], env, "tamper").returncode == 0
    # Same name and version, one byte more in values.yaml: what a compromised registry or a stray push would do.
    unpacked = workdir / "tampered"
    with tarfile.open(ROOT / ".cache" / "chart" / f"hello-server-{VERSION}.tgz") as tar:
        tar.extractall(unpacked, filter="data")
    with open(unpacked / "hello-server" / "values.yaml", "a") as values:
        values.write("#\n")
    packaged = run([tool("helm"), "package", unpacked / "hello-server", "--destination", unpacked], env=env)
    assert packaged.returncode == 0, packaged.stderr
    pushed = run([tool("helm"), "push", unpacked / f"hello-server-{VERSION}.tgz", f"oci://{registry.host}/tamper",
                  "--plain-http"], env=env)
    assert pushed.returncode == 0, pushed.stderr
    digest, _ = registry.manifest("tamper/hello-server", VERSION)
    assert digest != signed, "the tag now points at the swapped chart"
    result = verify(registry, keys["public"], env, "tamper")
    assert result.returncode != 0 and "no signatures found" in result.stderr, result.stdout + result.stderr
