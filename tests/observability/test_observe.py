"""`make observe` (scripts/observe.sh): it starts, Prometheus scrapes the app
with every rule loaded, and Ctrl-C stops everything it started."""

import os
import re
import signal
import socket
import subprocess
import time

import requests

from bundle import ROOT, rules
from stack import free_port, wait_for


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_observe_runs_the_app_and_prometheus_with_the_rules_and_stops_on_ctrl_c():
    ports = {"PORT": free_port(), "METRICS_PORT": free_port(), "PROMETHEUS_PORT": free_port()}
    env = dict(os.environ, **{k: str(v) for k, v in ports.items()})
    proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "observe.sh")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Ctrl-C stops everything"):
                break
        text = "".join(output)
        assert "observe: ready" in text, text
        prom = f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}"
        urls = re.findall(r"http://\S+", text)
        assert f"http://127.0.0.1:{ports['PORT']}/greeting/1" in urls and f"{prom}/classic/alerts" in urls, urls
        for url in urls:
            assert requests.get(url, timeout=5).status_code == 200, url

        loaded = requests.get(f"{prom}/api/v1/rules", timeout=5).json()["data"]["groups"]
        assert sum(len(g["rules"]) for g in loaded) == len(rules())
        wait_for("Prometheus to scrape the app",
                 lambda: requests.get(f"{prom}/api/v1/query", params={"query": 'up{job="hello-server"} == 1'},
                                      timeout=5).json()["data"]["result"], 30)

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        rest, _ = proc.communicate(timeout=60)
        assert "observe: stopped" in rest, rest
        for port in ports.values():
            assert port_is_free(port), f"port {port} still in use after Ctrl-C"
    finally:
        if proc.poll() is None:  # the test failed midway: let the script clean up first
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
