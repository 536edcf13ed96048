"""Shared fixtures for the supply-chain checks: paths, tools, a real OCI registry on loopback, throwaway keys."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".tools" / "bin"
CACHE_DIR = Path(os.environ.get("HELLO_CACHE_DIR", Path.home() / ".cache" / "hello-server"))
HOST_TARGET = "x86_64-unknown-linux-gnu"
ARM64_TARGET = "aarch64-unknown-linux-gnu"


def tool(name: str) -> str:
    """Path of a required tool (project-installed first); a missing tool fails, never skips."""
    candidate = TOOLS_BIN / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run `bash scripts/setup.sh`")
    return found


def run(cmd: list[str], timeout: float = 900, **kwargs) -> subprocess.CompletedProcess[str]:
    """Runs a command from the repository root; output captured as text, never raises on failure."""
    kwargs.setdefault("cwd", ROOT)
    env = dict(os.environ, PATH=f"{TOOLS_BIN}:{os.environ['PATH']}")
    env.update(kwargs.pop("env", {}))
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout, env=env, **kwargs)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """Asserts success with the command's output in the failure message."""
    assert result.returncode == 0, f"{result.args} exited {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A CNCF distribution registry (Debian's docker-registry) on a free loopback port with its own storage;
    stopped at the end of the session whatever the outcome. Yields host:port."""
    binary = tool("docker-registry")
    work = tmp_path_factory.mktemp("registry")
    port = free_port()
    config = work / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {work / 'storage'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    log = (work / "registry.log").open("w")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"registry did not start: {(work / 'registry.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def cosign_key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """A throwaway cosign key pair (empty password) in `directory`: (private, public)."""
    directory.mkdir(parents=True, exist_ok=True)
    ok(run([tool("cosign"), "generate-key-pair", "--output-key-prefix", str(directory / name)],
           env={"COSIGN_PASSWORD": ""}))
    return directory / f"{name}.key", directory / f"{name}.pub"


@pytest.fixture(scope="session")
def host_binary() -> Path:
    """The host build of hello-server (debug: shared with the other test targets, no extra compile)."""
    ok(run(["cargo", "build", "--locked", "--bin", "hello-server"], timeout=1800))
    binary = ROOT / "target" / "debug" / "hello-server"
    assert binary.is_file()
    return binary


@pytest.fixture(scope="session")
def arm64_binary() -> Path:
    """hello-server cross-compiled for aarch64 by `make build-arm64` (dev profile: the test needs the cross
    build and the binary, not release optimisation)."""
    ok(run(["make", "--no-print-directory", "build-arm64", "ARM64_PROFILE=dev"], timeout=2400))
    binary = ROOT / "target" / ARM64_TARGET / "debug" / "hello-server"
    assert binary.is_file()
    return binary
