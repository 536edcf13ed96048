"""The managed Alertmanager configuration Terraform produces for the GKE path
(terraform/modules/gmp-alertmanager-config), rendered by the real terraform binary and checked with amtool:
valid, one receiver per severity routed like the compose stack, the same inhibitions, credentials only where
they belong, and bad receivers refused with a message naming the setting."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bundle import ROOT, alert_rules

MODULE = ROOT / "terraform" / "modules" / "gmp-alertmanager-config"
COMPOSE_CONFIG = ROOT / "deploy" / "compose" / "alertmanager.yml"

PAGER_KEY = "R0UTINGkey0123456789abcdef"
PAGE_SLACK = "https://hooks.slack.com/services/T000/B000/page"
TICKET_HOOK = "https://tickets.example.com/hooks/hello-server"
OPSGENIE_KEY = "0psgenie-key-0123"
ALL_KINDS = {
    "page": [{"type": "pagerduty", "credential": PAGER_KEY},
             {"type": "slack", "credential": PAGE_SLACK, "slack_channel": "#hello-oncall"}],
    "ticket": [{"type": "webhook", "credential": TICKET_HOOK},
               {"type": "opsgenie", "credential": OPSGENIE_KEY}],
}


def tool(name: str, *alternatives: str) -> str:
    for candidate in (name, *alternatives):
        local = ROOT / ".tools" / "bin" / candidate
        if local.is_file() and os.access(local, os.X_OK):
            return str(local)
        found = shutil.which(candidate)
        if found:
            return found
    raise AssertionError(f"none of {(name, *alternatives)} is installed: run bash scripts/setup.sh")


def render(tmp_path: Path, receivers: dict) -> subprocess.CompletedProcess[str]:
    """`terraform apply` of the module in a throwaway root (no provider, nothing leaves the machine)."""
    work = tmp_path / "root"
    work.mkdir(exist_ok=True)
    (work / "main.tf").write_text(
        f'module "alertmanager" {{\n  source    = "{MODULE}"\n  receivers = jsondecode(var.receivers)\n}}\n'
        'variable "receivers" {\n  type      = string\n  sensitive = true\n}\n'
        'output "config" {\n  value     = module.alertmanager.config_yaml\n  sensitive = true\n}\n'
        'output "types" {\n  value = module.alertmanager.receiver_types\n}\n')
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
           "TF_VAR_receivers": json.dumps(receivers), "TF_CLI_CONFIG_FILE": os.devnull}
    terraform = tool("terraform", "tofu")
    init = subprocess.run([terraform, "init", "-input=false", "-no-color"], cwd=work, env=env,
                          capture_output=True, text=True, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    apply = subprocess.run([terraform, "apply", "-auto-approve", "-input=false", "-no-color"], cwd=work, env=env,
                           capture_output=True, text=True, check=False)
    if apply.returncode != 0:
        return apply
    return subprocess.run([terraform, "output", "-raw", "config"], cwd=work, env=env,
                          capture_output=True, text=True, check=False)


def rendered(tmp_path: Path, receivers: dict) -> Path:
    result = render(tmp_path, receivers)
    assert result.returncode == 0, result.stdout + result.stderr
    path = tmp_path / "alertmanager.yaml"
    path.write_text(result.stdout)
    return path


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("amtool"), *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def full_config(tmp_path_factory) -> Path:
    return rendered(tmp_path_factory.mktemp("am"), ALL_KINDS)


def test_amtool_accepts_the_config(full_config):
    result = amtool("check-config", str(full_config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Found:" in result.stdout and "- 2 receivers" in result.stdout and "- 2 inhibit rules" in result.stdout


def test_every_alert_routes_to_the_receiver_of_its_severity(full_config):
    rules = alert_rules()
    assert rules
    for rule in rules:
        labels = [f"alertname={rule['alert']}", f"severity={rule['labels']['severity']}",
                  "namespace=hello", "job=hello-server", "cluster=hello-world-cluster"]
        result = amtool("config", "routes", "test", f"--config.file={full_config}", *labels)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == rule["labels"]["severity"], f"{rule['alert']} -> {result.stdout.strip()}"
    # Anything without a known severity still reaches the team's queue.
    result = amtool("config", "routes", "test", f"--config.file={full_config}", "alertname=Unknown")
    assert result.stdout.strip() == "ticket"


def test_routing_and_inhibitions_are_those_of_the_compose_stack(full_config):
    gmp, compose = yaml.safe_load(full_config.read_text()), yaml.safe_load(COMPOSE_CONFIG.read_text())
    assert gmp["route"] == compose["route"]
    assert gmp["inhibit_rules"] == compose["inhibit_rules"]
    assert [r["name"] for r in gmp["receivers"]] == [r["name"] for r in compose["receivers"]] == ["page", "ticket"]


def test_each_severity_gets_its_integrations_and_credentials(full_config):
    receivers = {r["name"]: r for r in yaml.safe_load(full_config.read_text())["receivers"]}
    assert receivers["page"]["pagerduty_configs"] == [{"routing_key": PAGER_KEY, "send_resolved": True}]
    assert receivers["page"]["slack_configs"] == [
        {"api_url": PAGE_SLACK, "channel": "#hello-oncall", "send_resolved": True}]
    assert receivers["ticket"]["webhook_configs"] == [{"url": TICKET_HOOK, "send_resolved": True}]
    assert receivers["ticket"]["opsgenie_configs"] == [{"api_key": OPSGENIE_KEY, "send_resolved": True}]
    assert set(receivers["page"]) == {"name", "pagerduty_configs", "slack_configs"}
    assert set(receivers["ticket"]) == {"name", "webhook_configs", "opsgenie_configs"}


def test_without_receivers_the_config_is_valid_and_notifies_nobody(tmp_path):
    config = rendered(tmp_path, {})
    assert amtool("check-config", str(config)).returncode == 0
    assert yaml.safe_load(config.read_text())["receivers"] == [{"name": "page"}, {"name": "ticket"}]


def test_credentials_stay_out_of_terraform_output_listings(tmp_path):
    rendered(tmp_path, ALL_KINDS)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TF_CLI_CONFIG_FILE": os.devnull}
    listing = subprocess.run([tool("terraform", "tofu"), "output", "-no-color"], cwd=tmp_path / "root", env=env,
                             capture_output=True, text=True, check=True).stdout
    assert "config = <sensitive>" in listing
    for secret in (PAGER_KEY, PAGE_SLACK, TICKET_HOOK, OPSGENIE_KEY):
        assert secret not in listing
    assert '"pagerduty"' in listing and '"opsgenie"' in listing  # the types are not secret


@pytest.mark.parametrize(("receivers", "message"), [
    ({"page": [{"type": "email", "credential": PAGER_KEY}]}, "type = pagerduty, opsgenie, slack or webhook"),
    ({"ticket": [{"type": "slack", "credential": "http://hooks.example.com/plain"}]}, "https:// URL"),
    ({"page": [{"type": "pagerduty", "credential": "not a key"}]}, "routing/API key"),
    ({"page": [{"type": "webhook", "credential": TICKET_HOOK, "slack_channel": "#x"}]}, "slack_channel is only"),
])
def test_bad_receivers_are_refused_with_the_setting_named(tmp_path, receivers, message):
    result = render(tmp_path, receivers)
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert message in output, output
    assert "var.receivers" in output
