"""The extension points land where they belong (ci/extension-points-values.yaml uses them all together), and the
defaults stay what they were before the extension points existed."""

import pytest
import yaml

from conftest import CHART, DEFAULT_SCENARIO, find, one, render, scenario_objects

EXTENSIONS = CHART / "ci" / "extension-points-values.yaml"
FULLNAME = "hello-hello-server"


@pytest.fixture(scope="module")
def objects():
    return scenario_objects(EXTENSIONS)


def deployment_pod(objects) -> dict:
    return one(objects, "Deployment")["spec"]["template"]


def app(objects) -> dict:
    [container] = [c for c in deployment_pod(objects)["spec"]["containers"] if c["name"] == "hello-server"]
    return container


def test_containers_in_order(objects):
    spec = deployment_pod(objects)["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["cloud-sql-proxy", "check-ca-bundle"], (
        "extra init containers run after the proxy sidecar started, so they can reach the database"
    )
    assert [c["name"] for c in spec["containers"]] == ["hello-server", "log-shipper"]
    shipper = spec["containers"][1]
    assert shipper["volumeMounts"] == [{"name": "shipper-state", "mountPath": "/var/lib/shipper"}]


def test_volumes_and_mounts(objects):
    spec = deployment_pod(objects)["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["tmp", "corporate-ca", "shipper-state"]
    assert app(objects)["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "corporate-ca", "mountPath": "/etc/ssl/corporate", "readOnly": True},
    ]


def test_environment(objects):
    container = app(objects)
    assert container["envFrom"] == [
        {"configMapRef": {"name": FULLNAME}},
        {"configMapRef": {"name": "hello-site-settings", "optional": True}},
    ], "the chart's settings first: a later source wins for a key in both"
    assert [e["name"] for e in container["env"]] == ["SSL_CERT_FILE", "POD_NAME"]


def test_probe_timings_merge_over_the_defaults(objects):
    container = app(objects)
    assert container["startupProbe"] == {
        "httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 24,
    }
    assert container["readinessProbe"] == {
        "httpGet": {"path": "/readyz", "port": "http"},
        "periodSeconds": 3, "timeoutSeconds": 1, "failureThreshold": 3, "successThreshold": 1,
    }
    assert container["livenessProbe"]["periodSeconds"] == 10, "untouched probe keeps its default"


def test_security_context_overrides_merge_over_the_restricted_defaults(objects):
    pod = deployment_pod(objects)["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
        "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"},
    }
    context = app(objects)["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"]) == (10001, 10001)
    assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}
    proxy = pod["initContainers"][0]["securityContext"]
    assert proxy["runAsUser"] == 65532, "the proxy image's own user is kept"
    test_pod = one(objects, "Pod")
    assert test_pod["spec"]["securityContext"] == pod["securityContext"]
    assert all(c["securityContext"] == context for c in test_pod["spec"]["containers"])


def test_default_security_contexts_are_unchanged(default_objects):
    pod = deployment_pod(default_objects)["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for container in pod["containers"] + pod["initContainers"]:
        assert container["securityContext"] == {
            "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "privileged": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }, container["name"]


def test_deployment_strategy_and_history(objects, default_objects):
    spec = one(objects, "Deployment")["spec"]
    assert spec["revisionHistoryLimit"] == 3
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0}}
    default = one(default_objects, "Deployment")["spec"]
    assert default["revisionHistoryLimit"] == 5
    assert default["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def test_pull_secrets_from_global_and_local_each_once(objects):
    expected = [{"name": "platform-registry"}, {"name": "team-registry"}]
    assert deployment_pod(objects)["spec"]["imagePullSecrets"] == expected
    assert one(objects, "Pod")["spec"]["imagePullSecrets"] == expected, "the helm test pod runs the app image too"


def test_common_labels_and_annotations_on_every_object(objects):
    assert len(objects) >= 15
    for obj in objects:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        assert obj["metadata"]["labels"]["cost-center"] == "platform-42", where
        assert obj["metadata"]["annotations"]["example.com/owner"] == "team-greetings", where
        # The chart's own labels win: a common label never rewrites what selectors match.
        assert obj["metadata"]["labels"]["app.kubernetes.io/name"] in ("hello-server", "hello-server-test"), where
    labels = deployment_pod(objects)["metadata"]["labels"]
    assert labels["cost-center"] == "platform-42" and labels["sidecar.example.com/log-shipper"] == "true"
    assert one(objects, "Deployment")["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "hello-server", "app.kubernetes.io/instance": "hello",
    }
    hooks = [o for o in objects if "helm.sh/hook" in o["metadata"]["annotations"]]
    assert {o["kind"] for o in hooks} == {"Pod", "NetworkPolicy"}
    assert all(o["metadata"]["annotations"]["helm.sh/hook"] == "test" for o in hooks), "hook annotations kept"


def test_object_labels_win_over_common_labels(tmp_path):
    values = tmp_path / "labels.yaml"
    values.write_text(yaml.safe_dump({
        "commonLabels": {"grafana_dashboard": "0", "release": "x"},
        "monitoring": {"serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}}},
    }))
    objects = render(DEFAULT_SCENARIO, values)
    for dashboard in find(objects, "ConfigMap"):
        if "-dashboard-" in dashboard["metadata"]["name"]:
            assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert one(objects, "ServiceMonitor")["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_empty_metrics_peers_admit_nobody():
    """An empty `from` would admit every source: with no peers the metrics rule is left out entirely."""
    objects = render(DEFAULT_SCENARIO, sets=["networkPolicy.metricsFrom=null"])
    ingress = one(objects, "NetworkPolicy", FULLNAME)["spec"]["ingress"]
    assert ingress == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
