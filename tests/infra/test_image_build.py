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

from conftest import ROOT, run
from dockerfile import copy_build_context, parse

WORK = ROOT / ".cache" / "infra"
CONTEXT = WORK / "image-context"
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


@pytest.fixture(scope="module")
def built_binary():
    _, stages = parse(ROOT / "Dockerfile")
    builder = next(s for s in stages if s.name == "builder")
    (step,) = [r for r in builder.args("RUN") if r.startswith("cargo build")]
    command = step.split("&&")[0].strip()
    argv = shlex.split(command)
    assert {"--release", "--locked"} <= set(argv), command
    copy_build_context(ROOT, ROOT / ".dockerignore", CONTEXT)
    revision = run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
    env = {**os.environ, "CARGO_TARGET_DIR": str(TARGET), "GIT_REVISION": revision}
    result = run(argv, cwd=CONTEXT, env=env)
    assert result.returncode == 0, f"`{command}` failed in the build context:\n{result.stderr[-4000:]}"
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
