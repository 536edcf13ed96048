"""The linux/arm64 build: cross-compiled with Debian's aarch64 toolchain and run under qemu-user-static (no binfmt
registration needed: qemu is invoked directly with the cross sysroot), against a real PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, free_port, ok, run, tool

SYSROOT = "/usr/aarch64-linux-gnu"
PG_TEMP = ROOT / "scripts" / "pg-temp.sh"


def qemu(arm64_binary: Path, *args: str) -> list[str]:
    return [tool("qemu-aarch64-static"), "-L", SYSROOT, str(arm64_binary), *args]


def test_binary_is_an_aarch64_executable(arm64_binary):
    header = ok(run(["readelf", "-h", str(arm64_binary)])).stdout
    assert "AArch64" in header, header
    interpreter = ok(run(["readelf", "-l", str(arm64_binary)])).stdout
    assert "/lib/ld-linux-aarch64.so.1" in interpreter


def test_version_under_qemu(arm64_binary):
    version = next(line.split('"')[1] for line in (ROOT / "Cargo.toml").read_text().splitlines()
                   if line.startswith("version = "))
    result = ok(run(qemu(arm64_binary, "--version")))
    assert result.stdout.startswith(f"hello-server {version}"), result.stdout


@pytest.fixture(scope="module")
def database_url():
    """A throwaway PostgreSQL (scripts/pg-temp.sh; runs as the postgres user), destroyed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="hello-arm64-"))
    work.chmod(0o755)  # the postgres user must reach pg/
    pg_dir = work / "pg"
    try:
        url = ok(run(["bash", str(PG_TEMP), "start", str(pg_dir)], timeout=120)).stdout.strip()
        yield url
    finally:
        run(["bash", str(PG_TEMP), "destroy", str(pg_dir)], timeout=120)
        subprocess.run(["rm", "-rf", str(work)], check=False)


def get(url: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("content-type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read().decode()


@pytest.fixture(scope="module")
def arm64_server(arm64_binary, database_url, tmp_path_factory):
    """The arm64 server under qemu on loopback ports, migrations applied; stopped with SIGTERM afterwards."""
    port, admin = free_port(), free_port()
    log_path = tmp_path_factory.mktemp("arm64") / "server.log"
    env = dict(os.environ, DATABASE_URL=database_url, HOST="127.0.0.1", PORT=str(port), METRICS_HOST="127.0.0.1",
               METRICS_PORT=str(admin), LOG_FORMAT="text", RUST_LOG="warn", SHUTDOWN_DRAIN_SECONDS="0")
    with log_path.open("w") as log:
        process = subprocess.Popen(qemu(arm64_binary), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # emulated start-up and migrations take a few seconds
        while True:
            try:
                if get(f"http://127.0.0.1:{port}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"arm64 server not ready (exit {process.poll()}): {log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": f"http://127.0.0.1:{port}", "admin": f"http://127.0.0.1:{admin}", "process": process}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serves_the_greeting_from_postgresql(arm64_server):
    status, content_type, body = get(f"{arm64_server['url']}/greeting/1")
    assert (status, content_type) == (200, "application/json"), body
    assert json.loads(body) == {"id": 1, "message": "Hello-World"}
    status, _, body = get(f"{arm64_server['url']}/greeting/424242")
    assert status == 404, body


def test_check_subcommand_under_qemu(arm64_binary, arm64_server):
    ok(run(qemu(arm64_binary, "check", f"{arm64_server['admin']}/healthz", "--timeout-ms", "5000")))
    closed = run(qemu(arm64_binary, "check", f"http://127.0.0.1:{free_port()}/healthz", "--timeout-ms", "2000"))
    assert closed.returncode != 0


def test_stops_cleanly_on_sigterm(arm64_server):
    process = arm64_server["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
