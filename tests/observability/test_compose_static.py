"""docker compose cannot run here (no engine), so check the stack statically:
it parses, every mounted file exists, and ports and metric paths match the app."""

import re
import shutil
import subprocess

import yaml

from bundle import ROOT, alert_rules

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_BIN = ROOT / "target" / "debug" / "hello-server"


def app_default(flag: str) -> str:
    """The binary is the source of truth for its ports: read its --help."""
    assert APP_BIN.exists(), f"{APP_BIN} missing: the make target builds it first"
    help_text = subprocess.run([str(APP_BIN), "--help"], capture_output=True, text=True, check=True).stdout
    m = re.search(rf"--{flag} <\w+>.*?\[default: ([^\]]+)\]", help_text, re.S)
    assert m, f"--{flag} default not found in --help"
    return m[1]


def mounts(service: str) -> list[tuple[str, str]]:
    out = []
    for vol in SERVICES[service].get("volumes", []):
        src, dst = vol.split(":")[:2]
        out.append((src, dst))
    return out


def test_services():
    assert set(SERVICES) == {"postgres", "app", "prometheus", "alertmanager", "grafana"}
    for name, svc in SERVICES.items():
        if "image" in svc:
            assert re.search(r":v?\d+\.\d+", svc["image"]), f"{name}: image must pin a version"
    assert SERVICES["app"]["build"] == "."
    assert (ROOT / "Dockerfile").exists()


def test_every_mounted_path_exists():
    for name in SERVICES:
        for src, _ in mounts(name):
            assert src.startswith("./"), f"{name}: {src} must be relative to the repository"
            assert (ROOT / src).exists(), f"{name}: {src} does not exist"


def test_app_ports_match_the_binary():
    port = app_default("port")
    published = [p.split(":") for p in SERVICES["app"]["ports"]]
    assert [p[-1] for p in published] == [port]
    env = SERVICES["app"]["environment"]
    assert "METRICS_PORT" not in env and "PORT" not in env, "the stack relies on the binary's defaults"


def test_prometheus_scrapes_the_app_metrics_endpoint_and_loads_the_rules():
    config = yaml.safe_load((ROOT / "deploy/compose/prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "hello-server")
    assert job.get("metrics_path", "/metrics") == "/metrics"
    targets = [t for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == [f"app:{app_default('metrics-port')}"]
    mounted = dict((dst, src) for src, dst in mounts("prometheus"))
    assert mounted["/etc/prometheus/prometheus.yml"] == "./deploy/compose/prometheus.yml"
    assert mounted["/etc/prometheus/rules"] == "./alerts"
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yaml"]
    am = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert am == ["alertmanager:9093"]
    # Published away from the app's metrics port and the public port.
    host_ports = {p.split(":")[0] for s in SERVICES.values() for p in s.get("ports", [])}
    assert len(host_ports) == sum(len(s.get("ports", [])) for s in SERVICES.values())
    assert app_default("metrics-port") not in host_ports


def test_promtool_accepts_the_compose_prometheus_config_with_its_rules(tmp_path):
    """promtool resolves rule_files from the host, so point the mounted path at alerts/."""
    config = yaml.safe_load((ROOT / "deploy/compose/prometheus.yml").read_text())
    config["rule_files"] = [p.replace("/etc/prometheus/rules", str(ROOT / "alerts")) for p in config["rule_files"]]
    copy = tmp_path / "prometheus.yml"
    copy.write_text(yaml.safe_dump(config))
    out = subprocess.run(["promtool", "check", "config", str(copy)], check=True, capture_output=True, text=True)
    assert f"SUCCESS: {len(list((ROOT / 'alerts').glob('*.yaml')))} rule files found" in out.stdout + out.stderr


def test_alertmanager_routes_every_severity_to_a_defined_receiver():
    config = yaml.safe_load((ROOT / "deploy/compose/alertmanager.yml").read_text())
    receivers = {r["name"] for r in config["receivers"]}
    routes = config["route"]["routes"]
    assert config["route"]["receiver"] in receivers
    by_severity = {r["matchers"][0]: r["receiver"] for r in routes}
    assert by_severity == {'severity="page"': "page", 'severity="ticket"': "ticket"}
    assert set(by_severity.values()) <= receivers


def test_grafana_provisions_the_datasource_and_all_dashboards():
    mounted = dict((dst, src) for src, dst in mounts("grafana"))
    prov = ROOT / mounted["/etc/grafana/provisioning"]
    ds = yaml.safe_load((prov / "datasources" / "prometheus.yaml").read_text())["datasources"]
    assert [(d["type"], d["url"], d["isDefault"]) for d in ds] == [("prometheus", "http://prometheus:9090", True)]
    provider = yaml.safe_load((prov / "dashboards" / "hello-server.yaml").read_text())["providers"][0]
    dash_dir = provider["options"]["path"]
    assert mounted[dash_dir] == "./dashboards"
    assert len(list((ROOT / "dashboards").glob("*.json"))) == 3
    home = SERVICES["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith(dash_dir + "/")
    assert (ROOT / "dashboards" / home.removeprefix(dash_dir + "/")).exists()


def amtool(*args: str) -> str:
    tool = shutil.which("amtool")
    assert tool, "amtool not on PATH: run bash scripts/setup.sh (it installs .tools/bin/amtool)"
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def test_amtool_accepts_the_alertmanager_config_and_routes_by_severity():
    config = str(ROOT / "deploy/compose/alertmanager.yml")
    amtool("check-config", config)
    for rule in alert_rules():
        labels = [f"alertname={rule['alert']}", f"severity={rule['labels']['severity']}"]
        receiver = amtool("config", "routes", "test", f"--config.file={config}", *labels).strip()
        assert receiver == rule["labels"]["severity"], f"{rule['alert']} routes to {receiver}"
