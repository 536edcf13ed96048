"""The release flow end to end against a real OCI registry on loopback: `make release` pushes a multi-arch image
by digest, signs it and attaches the SBOM as a signed attestation; verification passes for exactly that digest and
that key, and fails after every kind of tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, ok, run, tool, cosign_key_pair

TAG = "0.1.0-test"
# The chart version the release pushes: whatever Chart.yaml says (it rises with every chart change).
CHART_VERSION = yaml.safe_load((ROOT / "chart" / "hello-server" / "Chart.yaml").read_text())["version"]
OCI_IMAGE = ROOT / "scripts" / "release" / "oci-image.sh"
VERIFY = ROOT / "scripts" / "release" / "verify.sh"
SIGN = ROOT / "scripts" / "release" / "sign.sh"
# Verification of offline signatures: no transparency log entry, no Sigstore TUF fetch (scripts/release/lib.sh).
OFFLINE_VERIFY = ["--insecure-ignore-tlog", "--trusted-root", str(ROOT / "scripts" / "release" / "offline" / "trusted-root.json")]


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("keys")
    release_key, release_pub = cosign_key_pair(work, "release")
    attacker_key, attacker_pub = cosign_key_pair(work, "attacker")
    return {"release": release_key, "release.pub": release_pub, "attacker": attacker_key, "attacker.pub": attacker_pub}


@pytest.fixture(scope="module")
def release_image(host_binary, arm64_binary) -> str:
    """`make release-image` (what the release workflow runs), dev profile: the multi-arch image built from the
    two real binaries, as a skopeo source."""
    ok(run(["make", "--no-print-directory", "release-image", "RELEASE_PROFILE=dev", f"RELEASE_TAG={TAG}"],
           timeout=2400))
    return f"oci:{ROOT / '.cache' / 'release' / 'oci'}:{TAG}"


@pytest.fixture(scope="module")
def layout(release_image, host_binary, tmp_path_factory) -> Path:
    """Images to tamper with: a different one (`other`: another program) and a modified release (`modified`:
    the amd64 release image plus a file)."""
    oci = tmp_path_factory.mktemp("oci") / "layout"
    ok(run(["bash", str(OCI_IMAGE), shutil.which("true"), str(oci), "other", "amd64"]))
    ok(run([tool("skopeo"), "copy", "--quiet", f"{release_image.rsplit(':', 1)[0]}:{TAG}-amd64",
            f"oci:{oci}:modified"]))
    extra = oci.parent / "extra"
    extra.write_text("not part of the release\n")
    ok(run([tool("umoci"), "insert", "--image", f"{oci}:modified", str(extra), "/etc/extra"]))
    return oci


@pytest.fixture(scope="module")
def released(registry, release_image, keys) -> dict:
    """`make release` (the target the release workflow runs) against the local registry, signing offline."""
    repository = f"{registry}/hello-server"
    variables = {
        "RELEASE_IMAGE_SOURCE": release_image,
        "RELEASE_REPOSITORY": repository,
        "RELEASE_TAG": TAG,
        "RELEASE_CHART_REPOSITORY": f"oci://{registry}/charts",
        "HELM_PUSH_FLAGS": "--plain-http",
    }
    env = {"COSIGN_KEY": str(keys["release"]), "COSIGN_PASSWORD": "", "COSIGN_OFFLINE": "1",
           "REGISTRY_TLS_VERIFY": "false"}
    result = ok(run(["make", "--no-print-directory", "release", *(f"{k}={v}" for k, v in variables.items())],
                    env=env, timeout=1800))
    digest = (ROOT / ".cache" / "release" / "digest").read_text().strip()
    return {"repository": repository, "digest": digest, "ref": f"{repository}@{digest}", "output": result.stdout}


def verify(ref: str, public_key: Path) -> "subprocess.CompletedProcess[str]":  # noqa: F821
    return run(["bash", str(VERIFY), ref], env={"COSIGN_PUBLIC_KEY": str(public_key), "COSIGN_OFFLINE": "1"})


def skopeo_digest(ref: str) -> str:
    raw = ok(run([tool("skopeo"), "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"])).stdout
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def test_release_pushes_the_multi_arch_index_by_digest(released, registry):
    assert released["digest"].startswith("sha256:") and len(released["digest"]) == 71
    assert skopeo_digest(f"{released['repository']}:{TAG}") == released["digest"]
    index = json.loads(ok(run([tool("skopeo"), "inspect", "--raw", "--tls-verify=false",
                                f"docker://{released['ref']}"])).stdout)
    platforms = sorted(m["platform"]["architecture"] for m in index["manifests"])
    assert platforms == ["amd64", "arm64"], index


def test_signature_and_sbom_attestation_verify(released, keys):
    result = verify(released["ref"], keys["release.pub"])
    ok(result)
    assert "signature of" in result.stdout and "SBOM attestation of" in result.stdout


def test_attested_sbom_is_the_one_make_sbom_wrote(released, keys):
    result = ok(run([tool("cosign"), "verify-attestation", *OFFLINE_VERIFY,
                     "--key", str(keys["release.pub"]), "--type", "cyclonedx", released["ref"]]))
    envelope = json.loads(result.stdout.strip().splitlines()[0])
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["subject"][0]["digest"]["sha256"] == released["digest"].removeprefix("sha256:")
    sbom = json.loads((ROOT / "target" / "sbom" / "hello-server.cdx.json").read_text())
    attested = {(c["name"], c["version"]) for c in statement["predicate"]["components"]}
    assert attested == {(c["name"], c["version"]) for c in sbom["components"]}


def test_pushed_images_run(released, tmp_path):
    """The pushed image is a real one: each architecture's binary starts from its own root filesystem."""
    for arch, runner in (("amd64", []), ("arm64", [tool("qemu-aarch64-static")])):
        bundle = tmp_path / f"bundle-{arch}"
        # umoci unpacks single manifests only: take the architecture's manifest out of the index first.
        single = tmp_path / f"single-{arch}"
        ok(run([tool("skopeo"), "copy", "--quiet", "--override-arch", arch, "--src-tls-verify=false",
                f"docker://{released['ref']}", f"oci:{single}:{arch}"]))
        ok(run([tool("umoci"), "unpack", "--image", f"{single}:{arch}", str(bundle)]))
        rootfs = bundle / "rootfs"
        command = (["chroot", str(rootfs), "/usr/local/bin/hello-server", "--version"] if not runner
                   else [*runner, "-L", str(rootfs), str(rootfs / "usr/local/bin/hello-server"), "--version"])
        result = ok(run(command))
        assert result.stdout.startswith("hello-server "), result.stdout
        config = json.loads((bundle / "config.json").read_text())
        assert config["process"]["user"]["uid"] == 65532


def test_release_values_pin_the_signed_digest(released):
    values = yaml.safe_load((ROOT / ".cache" / "release" / "values-release.yaml").read_text())
    assert values["image"] == {"repository": released["repository"], "digest": released["digest"]}
    rendered = ok(run([tool("helm"), "template", "hello", str(ROOT / "chart" / "hello-server"), "-n", "hello",
                       "-f", str(ROOT / "chart" / "hello-server" / "ci" / "default-values.yaml"),
                       "-f", str(ROOT / ".cache" / "release" / "values-release.yaml")])).stdout
    assert f"image: {released['ref']}" in rendered or f'image: "{released["ref"]}"' in rendered, rendered[:3000]


def test_release_notes_name_the_digest_and_how_to_verify(released):
    notes = (ROOT / ".cache" / "release" / "release-notes.md").read_text()
    assert f"{released['ref']}" in notes
    assert f"cosign verify --key release.pub {released['ref']}" in notes
    assert "## Changes" in notes
    assert f"oci://{released['repository'].split('/')[0]}/charts/hello-server --version {CHART_VERSION}" in notes


def test_chart_is_pushed_as_oci_artifact(released, registry):
    manifest = json.loads(ok(run([tool("skopeo"), "inspect", "--raw", "--tls-verify=false",
                                   f"docker://{registry}/charts/hello-server:{CHART_VERSION}"])).stdout)
    assert manifest["config"]["mediaType"] == "application/vnd.cncf.helm.config.v1+json"


def test_signing_refuses_a_tag(released, keys):
    result = run(["bash", str(SIGN), f"{released['repository']}:{TAG}"],
                 env={"COSIGN_KEY": str(keys["release"]), "COSIGN_PASSWORD": "", "COSIGN_OFFLINE": "1"})
    assert result.returncode == 2 and "not an image reference by digest" in result.stderr


def test_another_key_does_not_verify(released, keys):
    result = verify(released["ref"], keys["attacker.pub"])
    assert result.returncode != 0, result.stdout


def test_a_signature_by_another_key_is_not_accepted(released, layout, registry, keys):
    """A modified image signed by someone else: the signature is there and valid for that key, and is still
    refused for the release key."""
    push = ok(run([tool("skopeo"), "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:modified",
                   f"docker://{registry}/hello-server:modified"]))
    assert push.returncode == 0
    ref = f"{registry}/hello-server@{skopeo_digest(f'{registry}/hello-server:modified')}"
    ok(run(["bash", str(SIGN), ref], env={"COSIGN_KEY": str(keys["attacker"]), "COSIGN_PASSWORD": "",
                                          "COSIGN_OFFLINE": "1"}))
    ok(run([tool("cosign"), "verify", *OFFLINE_VERIFY, "--key", str(keys["attacker.pub"]), ref]))
    refused = run([tool("cosign"), "verify", *OFFLINE_VERIFY, "--key", str(keys["release.pub"]), ref])
    assert refused.returncode != 0, refused.stdout


@pytest.mark.parametrize("replacement", ["other", "modified"])
def test_tag_moved_to_another_image_does_not_verify(released, layout, registry, keys, replacement):
    """Whoever can push to the repository can move the tag, but not the release signature with it."""
    ok(run([tool("skopeo"), "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:{replacement}",
            f"docker://{released['repository']}:{TAG}"]))
    assert skopeo_digest(f"{released['repository']}:{TAG}") != released["digest"]
    moved = verify(f"{released['repository']}:{TAG}", keys["release.pub"])
    assert moved.returncode != 0, moved.stdout
    # The signed digest itself still verifies: the release is intact, only the tag lies.
    ok(verify(released["ref"], keys["release.pub"]))
