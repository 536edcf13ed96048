"""The Dockerfile: hadolint-clean, pinned, minimal, non-root, labelled, cached dependency layer."""

from __future__ import annotations

import re
import tomllib

import pytest

from conftest import ROOT, TOOLS_DIR, require_tool, run
from dockerfile import parse

DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def dockerfile():
    return parse(DOCKERFILE)


def test_hadolint_is_clean():
    hadolint = require_tool("hadolint", extra_paths=(TOOLS_DIR / "venv-infra" / "bin",))
    result = run([hadolint, "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_every_base_image_is_pinned(dockerfile):
    global_args, stages = dockerfile
    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.base in names:
            continue
        image = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], stage.base)
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"unpinned base image {image}"


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
    _, stages = dockerfile
    final = stages[-1]
    assert final.base.startswith("gcr.io/distroless/") and final.base.endswith(":nonroot")
    assert final.args("USER") == ["65532:65532"]
    assert sorted(final.args("EXPOSE")[0].split()) == ["8080", "9090"]
    assert final.args("ENTRYPOINT") == ['["/usr/local/bin/hello-server"]']
    copies = final.args("COPY")
    assert copies == [
        "--from=builder /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
        "--from=builder /src/target/release/hello-server /usr/local/bin/hello-server",
    ]
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
