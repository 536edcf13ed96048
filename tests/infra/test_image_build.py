"""The real image: built from the Dockerfile by buildah (scripts/cluster/image.sh) with local stand-ins for the
two base images (no registry is reachable here; docs/cluster.md says what differs), then inspected and run:
its size, its configuration (uid 65532, entrypoint, labels, healthcheck), the shared libraries its binary loads,
and `hello-server --version` run by runc as uid 65532 with a read-only root filesystem and no capabilities."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, run
from dockerfile import parse

WORK = ROOT / ".cache" / "infra"
REPORT = WORK / "image-report.json"
IMAGE_SCRIPT = ROOT / "scripts" / "cluster" / "image.sh"
IMAGE_BUDGET_BYTES = 30_000_000


def _bah(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cache = Path(os.environ.get("HELLO_CACHE_DIR", Path.home() / ".cache" / "hello-server")) / "containers"
    result = run(["buildah", "--root", str(cache / "storage"), "--runroot", str(cache / "run"),
                  "--storage-driver", "overlay", *args])
    if check:
        assert result.returncode == 0, f"buildah {' '.join(args)}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def image():
    """Builds (or reuses the cached layers of) the image; returns its reference, config and rootfs tarball."""
    if shutil.which("buildah") is None:
        pytest.fail("buildah missing: run `bash scripts/setup.sh` (Debian package buildah)")
    if os.geteuid() != 0:
        pytest.fail("building the image with buildah's system store needs root")
    built = run(["bash", str(IMAGE_SCRIPT)], timeout=3600)
    assert built.returncode == 0, f"image build failed:\n{built.stderr[-6000:]}"
    ref = built.stdout.strip().splitlines()[-1]
    inspect = json.loads(_bah("inspect", "--type", "image", ref).stdout)
    WORK.mkdir(parents=True, exist_ok=True)
    archive = WORK / "image.tar"
    archive.unlink(missing_ok=True)
    _bah("push", "--quiet", ref, f"docker-archive:{archive}:{ref}")
    return {"ref": ref, "inspect": inspect, "archive": archive}


@pytest.fixture(scope="module")
def layers(image):
    """(name, bytes) of each uncompressed layer tarball in the docker archive, in order."""
    with tarfile.open(image["archive"]) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        return [(name, archive.extractfile(name).read()) for name in manifest[0]["Layers"]]


@pytest.fixture(scope="module")
def rootfs(image):
    """The image's filesystem, mounted by buildah (a working container that runs nothing)."""
    container = _bah("from", "--quiet", "--pull=never", image["ref"]).stdout.strip()
    try:
        yield Path(_bah("mount", container).stdout.strip())
    finally:
        _bah("rm", container, check=False)


def test_image_size_is_reported_and_within_budget(image, layers):
    uncompressed = sum(len(blob) for _, blob in layers)
    compressed = sum(len(gzip.compress(blob, 6)) for _, blob in layers)
    sizes = [len(blob) for _, blob in layers]
    REPORT.write_text(json.dumps({
        "image": image["ref"],
        "layers_uncompressed_bytes": sizes,
        "uncompressed_bytes": uncompressed,
        "gzip_bytes": compressed,
        "note": "built from the Dockerfile by buildah on local stand-ins of the two base images (docs/cluster.md)",
    }, indent=2))
    print(f"\nimage {image['ref']}: {uncompressed / 1e6:.1f} MB uncompressed, {compressed / 1e6:.1f} MB gzip "
          f"(layers {', '.join(f'{s / 1e6:.1f}' for s in sizes)} MB; report {REPORT})")
    assert uncompressed <= IMAGE_BUDGET_BYTES, f"image {uncompressed / 1e6:.1f} MB exceeds 30 MB"


def test_config_runs_the_binary_as_65532(image):
    config = image["inspect"]["Docker"]["config"]
    assert config["User"] == "65532:65532"
    assert config["Entrypoint"] == ["/usr/local/bin/hello-server"]
    assert sorted(config["ExposedPorts"]) == ["8080/tcp", "9090/tcp"]
    assert config["Healthcheck"]["Test"][:3] == ["CMD", "/usr/local/bin/hello-server", "check"]


def test_labels_name_the_version_and_revision(image):
    labels = image["inspect"]["Docker"]["config"]["Labels"]
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    revision = run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
    assert labels["org.opencontainers.image.version"] == version
    assert labels["org.opencontainers.image.revision"] == revision
    assert image["ref"].endswith(f":{version}-{revision}")


def test_no_shell_and_only_the_binary_and_its_library_added(rootfs, layers):
    assert not (rootfs / "bin" / "sh").exists() and not (rootfs / "usr" / "bin" / "sh").exists()
    # The Dockerfile's own layers: libgcc_s in the platform's multiarch directory, then the binary.
    added = []
    for _, blob in layers[-2:]:
        with tarfile.open(fileobj=io.BytesIO(blob)) as layer:
            added += [m.name for m in layer.getmembers() if m.isfile()]
    assert any(re.fullmatch(r"usr/lib/[a-z0-9_]+-linux-gnu/libgcc_s\.so\.1", n) for n in added), added
    assert "usr/local/bin/hello-server" in added, added


def test_every_shared_library_the_binary_needs_is_in_the_image(rootfs):
    binary = rootfs / "usr" / "local" / "bin" / "hello-server"
    dynamic = run(["readelf", "-d", "-l", str(binary)])
    assert dynamic.returncode == 0, dynamic.stderr
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic.stdout))
    interpreter = re.search(r"Requesting program interpreter: ([^\]]+)\]", dynamic.stdout).group(1)
    assert needed, dynamic.stdout
    assert (rootfs / interpreter.lstrip("/")).exists(), f"no {interpreter} in the image"
    search = [d for d in (rootfs / "lib", rootfs / "usr" / "lib") if d.is_dir()]
    present = {p.name for d in search for p in d.rglob("*.so*")}
    assert needed <= present, f"not in the image: {sorted(needed - present)}"


def test_version_runs_as_65532_on_a_read_only_root(rootfs, image, tmp_path):
    """runc runs the entrypoint as the image's user, root filesystem read-only, every capability dropped."""
    if shutil.which("runc") is None:
        pytest.fail("runc missing: run `bash scripts/setup.sh` (Debian package runc)")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    assert run(["runc", "spec", "--bundle", str(bundle)]).returncode == 0
    spec = json.loads((bundle / "config.json").read_text())
    spec["root"] = {"path": str(rootfs), "readonly": True}
    spec["process"].update(
        terminal=False, args=["/usr/local/bin/hello-server", "--version"], noNewPrivileges=True,
        user={"uid": 65532, "gid": 65532},
        capabilities={k: [] for k in ("bounding", "effective", "inheritable", "permitted", "ambient")})
    # No network namespace of its own is needed for --version; keep the default private one.
    (bundle / "config.json").write_text(json.dumps(spec))
    container = f"hello-image-test-{os.getpid()}"
    result = run(["runc", "--root", str(tmp_path / "runc"), "run", "--bundle", str(bundle), container], timeout=60)
    run(["runc", "--root", str(tmp_path / "runc"), "delete", "--force", container])
    assert result.returncode == 0, result.stderr
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    revision = image["ref"].rsplit("-", 1)[-1]
    assert version in result.stdout and revision in result.stdout, result.stdout


def test_healthcheck_command_is_understood_by_the_binary(image, rootfs):
    _, stages = parse(ROOT / "Dockerfile")
    (healthcheck,) = stages[-1].args("HEALTHCHECK")
    argv = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert argv[0] == "/usr/local/bin/hello-server" and argv[1] == "check"
    # The image's own binary on the host (same glibc family): 0 or 1 (nothing listening), never a usage error.
    result = run([str(rootfs / "usr" / "local" / "bin" / "hello-server"), *argv[1:]])
    assert result.returncode in (0, 1), result.stderr
