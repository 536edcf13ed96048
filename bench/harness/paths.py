"""Where things live: the repository, the release binary, the benchmark virtualenv and tools."""

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".tools" / "bin"
VENV_PYTHON = ROOT / ".tools" / "venv-bench" / "bin" / "python"
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))


def server_binary():
    path = Path(os.environ.get("HELLO_SERVER_BIN", ROOT / "target" / "release" / "hello-server"))
    if not path.exists():
        raise SystemExit(f"{path} not found: run `cargo build --release --locked` first")
    return path


def tool(name):
    path = TOOLS_BIN / name
    if path.exists():
        return str(path)
    raise SystemExit(f"{name} not found in {TOOLS_BIN}: run `bash scripts/setup.sh`")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_file(name):
    """Where a server started by a run writes its output: bench/results/logs/<name>.log."""
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"{name}.log"
