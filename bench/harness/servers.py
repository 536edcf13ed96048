"""Start and stop the two servers under test on loopback, with their output in a log file."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

from .paths import ROOT, VENV_PYTHON, free_port, server_binary


def http_status(url, timeout=2.0):
    """Status code of a GET, or None when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except (OSError, urllib.error.URLError):
        return None


class _Process:
    name = "server"

    def __init__(self, log_path):
        self.log_path = log_path
        self.proc = None
        self.port = free_port()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid

    def _spawn(self, argv, env, cwd=None):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def wait_ready(self, path, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if http_status(self.base_url + path, timeout=1.0) == 200:
                return
            time.sleep(0.1)
        raise SystemExit(f"{self.name} not ready on {path} within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout=30.0):
        """SIGTERM, wait; returns the exit code (SIGKILL and None when it does not exit in time)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


class HelloServer(_Process):
    name = "hello-server"

    def __init__(self, database_url, log_path, **settings):
        super().__init__(log_path)
        self.metrics_port = free_port()
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            HOST="127.0.0.1",
            PORT=str(self.port),
            METRICS_HOST="127.0.0.1",
            METRICS_PORT=str(self.metrics_port),
            LOG_FORMAT="json",
            RUST_LOG=os.environ.get("BENCH_RUST_LOG", "info"),
        )
        self.env.update({k.upper(): str(v) for k, v in settings.items()})

    @property
    def metrics_url(self):
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def start(self):
        self._spawn([str(server_binary())], self.env)
        self.wait_ready("/readyz")
        return self


class FlaskBaseline(_Process):
    name = "flask-baseline"

    def __init__(self, database_url, log_path):
        super().__init__(log_path)
        self.env = dict(os.environ, DATABASE_URL=database_url, BASELINE_BIND=f"127.0.0.1:{self.port}")

    def start(self):
        self._spawn(
            [str(VENV_PYTHON), "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            self.env,
            cwd=ROOT / "bench" / "baseline",
        )
        self.wait_ready("/greeting/1")
        return self
