"""NOTES.txt: how to reach the app, where monitoring went, and warnings for risky settings. `helm template`
does not render NOTES, so a scratch copy of the chart renders it into a ConfigMap through `tpl`."""

import shutil

import pytest
import yaml

from conftest import CHART, DEFAULT_SCENARIO, helm_template


@pytest.fixture(scope="module")
def notes_chart(tmp_path_factory):
    chart = tmp_path_factory.mktemp("notes") / "hello-server"
    shutil.copytree(CHART, chart)  # symlinks resolved into copies
    shutil.copy(chart / "templates" / "NOTES.txt", chart / "notes.txt")
    (chart / "templates" / "notes-preview.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n'
        'data:\n  notes: {{ tpl (.Files.Get "notes.txt") . | toJson }}\n'
    )
    return chart


def notes(chart, *sets) -> str:
    text = helm_template(DEFAULT_SCENARIO, sets=sets, chart=chart)
    [preview] = [d for d in yaml.safe_load_all(text) if d and d["metadata"]["name"] == "notes"]
    return preview["data"]["notes"]


def test_defaults_explain_access_and_monitoring_without_warnings(notes_chart):
    text = notes(notes_chart)
    assert "kubectl -n hello get service hello-hello-server --watch" in text
    assert "curl http://$EXTERNAL_IP/greeting/1" in text
    assert "helm test hello -n hello" in text
    assert "PodMonitoring hello/hello-hello-server" in text
    assert "GKE Managed Prometheus Rules hello/hello-hello-server" in text
    assert 'label grafana_dashboard="1", Grafana folder "hello-server"' in text
    assert "WARNING" not in text


@pytest.mark.parametrize(
    "sets,warning",
    [
        (["database.auth.mode=password", "database.user=hello", "database.auth.password=x"],
         "database.auth.password is set"),
        (["cloudSqlProxy.enabled=false", "database.auth.mode=password", "database.user=hello",
          "database.auth.existingSecret.name=db", "database.host=10.0.0.5"], "the Cloud SQL Auth Proxy is off"),
        (["cloudSqlProxy.privateIp=false"], "connects to the instance's public IP"),
        (["autoscaling.enabled=false", "replicaCount=1"], "a single replica"),
        (["networkPolicy.enabled=false"], "metrics ports are reachable from every pod"),
        (["fullnameOverride=greeter"], 'alert rules select scrape jobs matching ".*hello-server.*"'),
    ],
)
def test_risky_settings_are_warned(notes_chart, sets, warning):
    text = notes(notes_chart, *sets)
    assert "WARNING" in text and warning in text, text
