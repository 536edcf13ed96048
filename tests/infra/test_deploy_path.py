"""The documented deployment path stays consistent with the chart and the make targets."""

from __future__ import annotations

import re

import yaml

from conftest import CHART_DIR, ROOT, run

DOC = ROOT / "docs" / "deploy.md"


def test_deploy_refuses_to_start_without_a_project():
    result = run(["make", "--no-print-directory", "deploy", "PROJECT_ID="])
    assert result.returncode != 0
    assert "set PROJECT_ID" in result.stderr


def test_deploy_chains_the_documented_steps_in_order():
    result = run(["make", "--no-print-directory", "-n", "deploy", "PROJECT_ID=acme-hello-prod"])
    assert result.returncode == 0, result.stderr
    steps = ["init -input=false", "apply -input=false", "push", "database_bootstrap_command",
             "get_credentials_command", "output -raw helm_values", "helm upgrade --install hello", "greeting/1"]
    positions = [result.stdout.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions))
    assert positions == sorted(positions), "make deploy runs the steps out of order"
    assert "-var project_id=acme-hello-prod" in result.stdout


def test_documented_service_name_matches_the_chart(helm_bin):
    rendered = run([helm_bin, "template", "hello", str(CHART_DIR), "-n", "hello",
                    "-f", str(CHART_DIR / "ci" / "default-values.yaml")])
    assert rendered.returncode == 0, rendered.stderr
    services = [d for d in yaml.safe_load_all(rendered.stdout) if d and d["kind"] == "Service"
                and d["spec"].get("type") == "LoadBalancer"]
    assert len(services) == 1
    name = services[0]["metadata"]["name"]
    assert f"kubectl -n hello get service {name} " in DOC.read_text()


def test_every_step_is_one_documented_command():
    text = DOC.read_text()
    for command in ("terraform -chdir=terraform apply", "make push", "output -raw get_credentials_command",
                    "output -raw helm_values > values-gke.yaml", "helm upgrade --install hello ./chart/hello-server -n hello",
                    "/greeting/1", "terraform -chdir=terraform destroy"):
        assert command in text, command
    assert re.search(r"^## Tear down", text, re.M)


def test_image_targets_build_linux_amd64_with_version_and_revision():
    revision = run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
    for target in ("image", "push"):
        result = run(["make", "--no-print-directory", "-n", target])
        assert result.returncode == 0, result.stderr
        build = next(line for line in result.stdout.splitlines() if "docker buildx build" in line)
        assert "--platform linux/amd64" in build
        assert f"--build-arg REVISION={revision}" in build
        assert re.search(r"--build-arg VERSION=\d+\.\d+\.\d+", build), build
    push = run(["make", "--no-print-directory", "-n", "push"]).stdout
    assert "--push" in push and "containerimage.digest" in push
