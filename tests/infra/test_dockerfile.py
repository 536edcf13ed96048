"""The Dockerfile: hadolint-clean, pinned, minimal, non-root, labelled, cached dependency layer."""

from __future__ import annotations

import re
import tomllib

import pytest

from conftest import ROOT, TOOLS_DIR, require_tool, run
from dockerfile import parse

# The bases real builds use; local builds without a registry override the build arguments instead.
REAL_BUILDER = "rust:${RUST_VERSION}-slim-bookworm"
REAL_RUNTIME = "gcr.io/distroless/base-nossl-debian12:nonroot"

DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def dockerfile():
    return parse(DOCKERFILE)


def test_hadolint_is_clean():
    hadolint = require_tool("hadolint", extra_paths=(TOOLS_DIR / "venv-infra" / "bin",))
    result = run([hadolint, "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def _expand(value: str, args: dict[str, str]) -> str:
    """${NAME} substituted from the global ARG defaults until none is left (a default may name another ARG)."""
    while (expanded := re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], value)) != value:
        value = expanded
    return value


def test_every_base_image_is_pinned(dockerfile):
    global_args, stages = dockerfile
    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.base in names:
            continue
        image = _expand(stage.base, global_args)
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"unpinned base image {image}"


def test_base_images_are_build_arguments_defaulting_to_the_real_ones(dockerfile):
    global_args, stages = dockerfile
    assert global_args["BUILDER_IMAGE"] == REAL_BUILDER
    assert global_args["RUNTIME_IMAGE"] == REAL_RUNTIME
    external = [s.base for s in stages if s.base not in {t.name for t in stages if t.name}]
    assert external == ["${BUILDER_IMAGE}", "${RUNTIME_IMAGE}"], external


def test_nothing_is_tied_to_one_cpu_architecture():
    """A multi-arch build (buildx --platform linux/amd64,linux/arm64) needs no edit: no triplet, no arch name."""
    text = "\n".join(l for l in DOCKERFILE.read_text().splitlines() if not l.lstrip().startswith("#"))
    for word in ("x86_64", "amd64", "aarch64", "arm64", "x86-64"):
        assert word not in text, f"the Dockerfile names {word}"


def test_builder_rust_matches_the_crate(dockerfile):
    global_args, _ = dockerfile
    builder = tuple(int(x) for x in global_args["RUST_VERSION"].split("."))
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    minimum = tuple(int(x) for x in manifest["package"]["rust-version"].split("."))
    assert builder[: len(minimum)] >= minimum
    host = run(["rustc", "--version"]).stdout.split()[1]
    assert global_args["RUST_VERSION"].rsplit(".", 1)[0] == host.rsplit(".", 1)[0], "builder and host toolchains diverge"


def test_dependencies_are_cooked_in_their_own_layer(dockerfile):
    _, stages = dockerfile
    builder = next(s for s in stages if s.name == "builder")
    runs = builder.args("RUN")
    cook = next(i for i, r in enumerate(runs) if r.startswith("cargo chef cook"))
    build = next(i for i, r in enumerate(runs) if r.startswith("cargo build"))
    assert "--release" in runs[cook] and "--locked" in runs[cook]
    assert cook < build
    # The full source is copied only after the dependency layer.
    copies = [a for k, a in builder.instructions if k == "COPY"]
    assert copies[0].startswith("--from=planner") and copies[1] == ". ."


def test_final_stage_is_distroless_nonroot(dockerfile):
    global_args, stages = dockerfile
    final = stages[-1]
    base = _expand(final.base, global_args)
    assert base.startswith("gcr.io/distroless/") and base.endswith(":nonroot")
    assert final.args("USER") == ["65532:65532"]
    assert sorted(final.args("EXPOSE")[0].split()) == ["8080", "9090"]
    assert final.args("ENTRYPOINT") == ['["/usr/local/bin/hello-server"]']
    # The build stage lays out exactly the runtime files under /runtime: libgcc_s in the multiarch directory
    # the compiler names, and the stripped binary.
    copies = final.args("COPY")
    assert copies == [
        "--from=builder /runtime/usr/lib/ /usr/lib/",
        "--from=builder /runtime/usr/local/bin/hello-server /usr/local/bin/hello-server",
    ]
    builder = next(s for s in stages if s.name == "builder")
    build = next(r for r in builder.args("RUN") if r.startswith("cargo build"))
    assert 'multiarch="$(gcc -print-multiarch)"' in build
    assert 'cp "/usr/lib/${multiarch}/libgcc_s.so.1" "/runtime/usr/lib/${multiarch}/"' in build
    assert "strip target/release/hello-server" in build
    assert not final.args("RUN"), "the final stage has no shell: nothing may RUN there"


def test_oci_labels_and_build_arguments(dockerfile):
    _, stages = dockerfile
    final = stages[-1]
    labels = " ".join(final.args("LABEL"))
    assert 'org.opencontainers.image.version="${VERSION}"' in labels
    assert 'org.opencontainers.image.revision="${REVISION}"' in labels
    assert "org.opencontainers.image.source=" in labels
    builder = next(s for s in stages if s.name == "builder")
    assert "GIT_REVISION=${REVISION}" in builder.args("ENV")
    assert any(a.startswith("VERSION") for a in builder.args("ARG"))
