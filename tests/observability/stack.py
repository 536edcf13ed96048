"""A throwaway local stack for the end-to-end test: PostgreSQL (scripts/pg-temp.sh),
the hello-server binary, a static exporter for cluster-only series, and a real
Prometheus (Debian package) scraping them every second. Everything binds to
127.0.0.1 on free ports and is stopped by `close()`."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import yaml

from bundle import ROOT, rule_files

PG_TEMP = ROOT / "scripts" / "pg-temp.sh"
FIXTURES = Path(__file__).parent / "fixtures"
APP_BIN = Path(os.environ.get("HELLO_SERVER_BIN", ROOT / "target" / "debug" / "hello-server"))
TEST_FOR = "5s"  # the only change made to the production rules
# Labels Kubernetes service discovery would attach in a cluster; the fixture
# series use the same ones so joins between app and cluster series work.
CLUSTER_LABELS = {"namespace": "hello", "pod": "hello-hello-server-e2e"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, timeout: float, interval: float = 0.5):
    """Poll check() until it returns a truthy value; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (requests.RequestException, OSError, ValueError) as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_error})")


def shortened_rule_copies(dest: Path) -> list[Path]:
    """Production rule files with every `for:` shortened to TEST_FOR; nothing else changes."""
    out = []
    for path in rule_files():
        doc = yaml.safe_load(path.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = TEST_FOR
        copy = dest / path.name
        copy.write_text(yaml.safe_dump(doc, sort_keys=False))
        out.append(copy)
    return out


class FixtureExporter:
    """Serves fixtures/<name>.prom at /<name> (text exposition format)."""

    def __init__(self):
        pages = {f"/{p.stem}": p.read_bytes() for p in FIXTURES.glob("*.prom")}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # Prometheus dropping a scrape connection at shutdown is not a failure.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Stack:
    def __init__(self):
        for tool in ("prometheus", "runuser"):
            if shutil.which(tool) is None:
                raise AssertionError(f"'{tool}' not found: run bash scripts/setup.sh")
        if not APP_BIN.exists():
            raise AssertionError(f"{APP_BIN} missing: run cargo build (the make target does)")
        self.dir = Path(tempfile.mkdtemp(prefix="hello-observability-"))
        self.dir.chmod(0o755)  # PostgreSQL runs as the `postgres` user and must reach pg/
        self.pg_dir = self.dir / "pg"
        self.procs: list[subprocess.Popen] = []
        self.exporter = None
        self.app_port, self.metrics_port, self.prom_port = free_port(), free_port(), free_port()
        self.app_url = f"http://127.0.0.1:{self.app_port}"
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        self.prom_url = f"http://127.0.0.1:{self.prom_port}"
        self.app_instance = f"127.0.0.1:{self.metrics_port}"

    # --- PostgreSQL -------------------------------------------------------
    def pg(self, command: str) -> str:
        proc = subprocess.run(["bash", str(PG_TEMP), command, str(self.pg_dir)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise AssertionError(f"pg-temp.sh {command} failed: {proc.stderr.strip()}")
        return proc.stdout.strip()

    # --- processes ----------------------------------------------------------
    def start(self):
        database_url = self.pg("start")
        env = dict(os.environ, DATABASE_URL=database_url, HOST="127.0.0.1", PORT=str(self.app_port),
                   METRICS_HOST="127.0.0.1", METRICS_PORT=str(self.metrics_port), LOG_FORMAT="text",
                   RUST_LOG="warn", DB_CHECKOUT_TIMEOUT_MS="250", DB_CONNECT_TIMEOUT_MS="250",
                   READINESS_TIMEOUT_MS="250", SHUTDOWN_DRAIN_SECONDS="0")
        self.spawn([str(APP_BIN)], env, "app.log")
        wait_for("the app's /readyz", lambda: requests.get(f"{self.app_url}/readyz", timeout=2).ok, 60)
        self.exporter = FixtureExporter()
        rules_dir = self.dir / "rules"
        rules_dir.mkdir()
        shortened_rule_copies(rules_dir)
        config = self.dir / "prometheus.yml"
        config.write_text(yaml.safe_dump(self.prometheus_config(rules_dir), sort_keys=False))
        self.spawn(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.dir / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{self.prom_port}", "--log.level=warn"], None, "prometheus.log")
        wait_for("Prometheus ready", lambda: requests.get(f"{self.prom_url}/-/ready", timeout=2).ok, 60)

    def prometheus_config(self, rules_dir: Path) -> dict:
        fixture = f"127.0.0.1:{self.exporter.port}"
        return {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
            "rule_files": [str(rules_dir / "*.yaml")],
            "scrape_configs": [
                {"job_name": "hello-server",
                 "static_configs": [{"targets": [self.app_instance], "labels": CLUSTER_LABELS}]},
                # The proxy sidecar is another endpoint of the app's scrape job in a cluster.
                {"job_name": "hello-server-proxy", "metrics_path": "/cloud-sql-proxy",
                 "static_configs": [{"targets": [fixture], "labels": CLUSTER_LABELS}],
                 "relabel_configs": [{"target_label": "job", "replacement": "hello-server"}]},
                {"job_name": "kube-state-metrics", "metrics_path": "/kube-state-metrics", "honor_labels": True,
                 "static_configs": [{"targets": [fixture]}]},
            ],
        }

    def spawn(self, argv: list[str], env, log: str):
        out = open(self.dir / log, "w")  # noqa: SIM115 (closed with the process)
        self.procs.append(subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT))

    def log(self, name: str) -> str:
        path = self.dir / name
        return path.read_text()[-3000:] if path.exists() else ""

    def close(self):
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.exporter:
            self.exporter.close()
        if self.pg_dir.exists():
            subprocess.run(["bash", str(PG_TEMP), "destroy", str(self.pg_dir)], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- Prometheus HTTP API -------------------------------------------------
    def query(self, expr: str) -> list[dict]:
        r = requests.get(f"{self.prom_url}/api/v1/query", params={"query": expr}, timeout=10)
        body = r.json()
        if body.get("status") != "success":
            raise AssertionError(f"query failed: {expr}\n  {body.get('error')}")
        result = body["data"]["result"]
        return result if isinstance(result, list) else [result]

    def series_label_values(self, selector: str, label: str) -> list[str]:
        r = requests.get(f"{self.prom_url}/api/v1/series", params={"match[]": selector}, timeout=10)
        body = r.json()
        if body.get("status") != "success":
            raise AssertionError(f"series query failed: {selector}\n  {body.get('error')}")
        return sorted({s[label] for s in body["data"] if label in s})

    def alerts(self) -> list[dict]:
        return requests.get(f"{self.prom_url}/api/v1/alerts", timeout=10).json()["data"]["alerts"]


class Traffic:
    """Mixed requests in a few threads until stopped: 200, 400, 404 (known route and
    unmatched path), probes; 503 appear by themselves while the database is down."""

    PATHS = ["/greeting/1", "/", "/greeting/999", "/greeting/abc", "/no/such/page", "/readyz", "/healthz"]

    def __init__(self, base_url: str, threads: int = 4):
        self.base_url = base_url
        self.stop_event = threading.Event()
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def run(self, offset: int):
        session = requests.Session()
        i = offset
        while not self.stop_event.is_set():
            path = self.PATHS[i % len(self.PATHS)]
            i += 1
            try:
                status = session.get(self.base_url + path, timeout=5).status_code
            except requests.RequestException:
                status = 0
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            time.sleep(0.01)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=10)
