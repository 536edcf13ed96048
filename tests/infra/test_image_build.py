"""No container engine runs here, so the builder stage's exact cargo command is run on the host,
inside a copy of the build context the .dockerignore lets through."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, TOOLS_DIR, require_tool, run
from dockerfile import copy_build_context, parse

WORK = ROOT / ".cache" / "infra"
PLANNER = WORK / "image-planner"
CONTEXT = WORK / "image-builder"
# Own target directory: the context is a different path than the working tree,
# so sharing target/ would make both builds relink each other's binary.
TARGET = WORK / "target"
REPORT = WORK / "image-report.json"
# Uncompressed size of gcr.io/distroless/base-nossl-debian12:nonroot — an estimate, as no
# engine runs here: Debian 12 libc6 (13.0 MB installed) + the static base (CA certificates,
# tzdata, passwd: ~2 MB).
BASE_IMAGE_ESTIMATE_BYTES = 15_000_000
LIBGCC = "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"  # copied into the final stage
IMAGE_BUDGET_BYTES = 30_000_000


def _run_step(stages, stage_name: str, prefix: str) -> str:
    """The RUN command of `stage_name` starting with `prefix` (first command of an && chain)."""
    stage = next(s for s in stages if s.name == stage_name)
    (step,) = [r for r in stage.args("RUN") if r.startswith(prefix)]
    return step.split("&&")[0].strip()


def _replay(command: str, cwd, env) -> None:
    result = run(shlex.split(command), cwd=cwd, env=env)
    assert result.returncode == 0, f"`{command}` failed in {cwd}:\n{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def built_binary():
    """Replays the Dockerfile's planner and builder steps: prepare, cook, build."""
    _, stages = parse(ROOT / "Dockerfile")
    prepare = _run_step(stages, "planner", "cargo chef prepare")
    cook = _run_step(stages, "builder", "cargo chef cook")
    command = _run_step(stages, "builder", "cargo build")
    assert {"--release", "--locked"} <= set(shlex.split(command)), command
    chef = require_tool("cargo-chef", extra_paths=(TOOLS_DIR / "bin",))
    revision = run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
    env = {**os.environ, "PATH": f"{Path(chef).parent}:{os.environ['PATH']}", "CARGO_TARGET_DIR": str(TARGET),
           "GIT_REVISION": revision}

    # planner: the whole context, `cargo chef prepare`.
    copy_build_context(ROOT, ROOT / ".dockerignore", PLANNER)
    _replay(prepare, PLANNER, env)
    # builder: the recipe alone, `cargo chef cook` (the dependency layer), then the context
    # copied over the skeleton (`COPY . .`) and the build, all in one directory as in /src.
    shutil.rmtree(CONTEXT, ignore_errors=True)
    CONTEXT.mkdir(parents=True)
    shutil.copy2(PLANNER / "recipe.json", CONTEXT / "recipe.json")
    _replay(cook, CONTEXT, env)
    copy_build_context(ROOT, ROOT / ".dockerignore", CONTEXT, clean=False)
    _replay(command, CONTEXT, env)

    binary = TARGET / "release" / "hello-server"
    stripped = WORK / "hello-server.stripped"
    shutil.copy2(binary, stripped)
    assert run(["strip", str(stripped)]).returncode == 0
    return {"command": command, "revision": revision, "binary": binary, "stripped": stripped}


def test_builder_command_builds_the_binary_from_the_build_context(built_binary):
    version = run([str(built_binary["stripped"]), "--version"])
    assert version.returncode == 0, version.stderr
    assert built_binary["revision"] in version.stdout, version.stdout


def test_estimated_image_size_is_within_budget(built_binary):
    size = built_binary["stripped"].stat().st_size
    libgcc = Path(LIBGCC).stat().st_size
    estimate = size + libgcc + BASE_IMAGE_ESTIMATE_BYTES
    REPORT.write_text(json.dumps({
        "cargo_command": built_binary["command"],
        "stripped_binary_bytes": size,
        "estimated_image_bytes": estimate,
        "note": "estimate = stripped binary + libgcc_s + distroless base-nossl; no container engine here",
    }, indent=2))
    print(f"\nstripped binary: {size / 1e6:.1f} MB; estimated image: {estimate / 1e6:.1f} MB (report: {REPORT})")
    assert estimate <= IMAGE_BUDGET_BYTES, f"estimated image {estimate / 1e6:.1f} MB exceeds 30 MB"


def test_final_stage_provides_every_shared_library_the_binary_needs(built_binary):
    """distroless base-nossl ships glibc (libc, libm, the loader); the Dockerfile adds libgcc_s."""
    dynamic = run(["readelf", "-d", str(built_binary["stripped"])])
    assert dynamic.returncode == 0, dynamic.stderr
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic.stdout))
    assert needed, dynamic.stdout
    provided = {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2", Path(LIBGCC).name}
    assert needed <= provided, f"not in the final stage: {sorted(needed - provided)}"


def test_healthcheck_command_is_understood_by_the_binary(built_binary):
    _, stages = parse(ROOT / "Dockerfile")
    (healthcheck,) = stages[-1].args("HEALTHCHECK")
    argv = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert argv[0] == "/usr/local/bin/hello-server" and argv[1] == "check"
    result = run([str(built_binary["stripped"]), *argv[1:]])
    # 0 (something healthy answers) or 1 (nothing does); 2 would be a usage error.
    assert result.returncode in (0, 1), result.stderr
