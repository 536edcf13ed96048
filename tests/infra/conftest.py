"""Shared fixtures for the infrastructure checks: repository paths, tools, parsed HCL."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "terraform"
CHART_DIR = ROOT / "chart" / "hello-server"
TOOLS_DIR = ROOT / ".tools"
CACHE_DIR = Path(os.environ.get("HELLO_CACHE_DIR", Path.home() / ".cache" / "hello-server"))
PROVIDER_MIRROR = CACHE_DIR / "terraform-providers"

# Plain values: no comments, no quotes around literals, blocks as lists of dicts.
HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True, explicit_blocks=False)


def require_tool(*names: str, extra_paths: tuple[Path, ...] = ()) -> str:
    """Path of the first tool found; a missing tool is a failure, never a skip."""
    # Project-installed tools first: setup installs one only when the system's is unsuitable.
    for directory in extra_paths:
        for name in names:
            candidate = directory / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"none of {names} is installed: run `bash scripts/setup.sh`")


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Runs a command and returns it; output is captured as text."""
    kwargs.setdefault("cwd", ROOT)
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    return require_tool("terraform", "tofu", extra_paths=(TOOLS_DIR / "bin",))


@pytest.fixture(scope="session")
def helm_bin() -> str:
    return require_tool("helm", extra_paths=(TOOLS_DIR / "bin",))


@pytest.fixture(scope="session")
def tf() -> dict[str, list]:
    """Every block of every terraform/*.tf file, merged by block type (python-hcl2 layout)."""
    merged: dict[str, list] = {}
    files = sorted(TERRAFORM_DIR.glob("*.tf"))
    assert files, f"no Terraform files in {TERRAFORM_DIR}"
    for path in files:
        with path.open() as handle:
            parsed = hcl2.load(handle, serialization_options=HCL_OPTIONS)
        for block_type, blocks in parsed.items():
            merged.setdefault(block_type, []).extend(blocks)
    return merged


def _named(blocks: list[dict], kind: str, name: str | None = None) -> dict:
    """Resource/data body of type `kind` (and `name`); fails if absent or ambiguous."""
    bodies = [b[kind] for b in blocks if kind in b]
    found = [body[name] for body in bodies if name in body] if name else [v for body in bodies for v in body.values()]
    assert len(found) == 1, f"expected exactly one {kind}{'.' + name if name else ''}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="session")
def resource(tf):
    return lambda kind, name=None: _named(tf.get("resource", []), kind, name)


@pytest.fixture(scope="session")
def variables(tf) -> dict[str, dict]:
    return {name: body for block in tf.get("variable", []) for name, body in block.items()}


@pytest.fixture(scope="session")
def locals_(tf) -> dict:
    return {k: v for block in tf.get("locals", []) for k, v in block.items()}


@pytest.fixture(scope="session")
def outputs(tf) -> dict[str, dict]:
    return {name: body for block in tf.get("output", []) for name, body in block.items()}
