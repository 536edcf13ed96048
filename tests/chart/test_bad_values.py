"""Bad values stop `helm template`/`helm install` with a message that names the key (and gives the numbers), with
Helm 4 and with Helm 3."""

import pytest
import yaml

from conftest import DEFAULT_SCENARIO, helm_template

SIDECAR = {"name": "shipper", "image": "example.com/shipper:1.0.0"}

# (values overriding the default scenario, texts the error must contain)
BAD_VALUES = {
    "negative-replicas": ({"replicaCount": -1}, ["/replicaCount", "minimum"]),
    "wrong-type": ({"autoscaling": {"targetCPUUtilizationPercentage": "eighty"}},
                   ["/autoscaling/targetCPUUtilizationPercentage", "want integer"]),
    "port-as-string": ({"app": {"port": "8080"}}, ["/app/port", "want integer"]),
    "unknown-top-level-key": ({"servce": {"type": "ClusterIP"}}, ["servce", "not allowed"]),
    "unknown-nested-key": ({"image": {"tagg": "1.0.0"}}, ["/image", "tagg", "not allowed"]),
    "bad-auth-mode": ({"database": {"auth": {"mode": "kerberos"}}}, ["/database/auth/mode", "iam", "password"]),
    "bad-service-type": ({"service": {"type": "External"}}, ["/service/type"]),
    "bad-digest": ({"image": {"digest": "md5:abc"}}, ["/image/digest"]),
    "threshold-not-a-bucket": ({"slo": {"latency": {"thresholdSeconds": 0.2}}}, ["/slo/latency/thresholdSeconds"]),
    "objective-above-one": ({"slo": {"availability": {"objective": 1.5}}}, ["/slo/availability/objective"]),
    "malformed-instance-name": ({"cloudSqlProxy": {"instanceConnectionName": "my-instance"}},
                                ["/cloudSqlProxy/instanceConnectionName"]),
    "missing-instance-name": ({"cloudSqlProxy": {"instanceConnectionName": ""}},
                              ["cloudSqlProxy.instanceConnectionName is required"]),
    "missing-image-repository": ({"image": {"repository": ""}}, ["image.repository is required"]),
    "missing-gcp-service-account": ({"serviceAccount": {"gcpServiceAccount": ""}},
                                    ["serviceAccount.gcpServiceAccount is required"]),
    "password-mode-without-secret": ({"database": {"user": "hello", "auth": {"mode": "password"}}},
                                     ["database.auth.existingSecret.name"]),
    "iam-without-proxy": ({"cloudSqlProxy": {"enabled": False}, "database": {"host": "10.0.0.5"}},
                          ["database.auth.mode=iam needs cloudSqlProxy.enabled"]),
    "min-above-max-replicas": ({"autoscaling": {"minReplicas": 8, "maxReplicas": 5}},
                               ["autoscaling.minReplicas (8) exceeds autoscaling.maxReplicas (5)"]),
    "gateway-without-certificate-map": ({"gateway": {"enabled": True}}, ["gateway.certificateMap is required"]),
    "existing-gateway-without-parent": ({"gateway": {"enabled": True, "create": False}},
                                        ["gateway.parentRefs is required when gateway.create is false"]),
    "parent-refs-with-created-gateway": (
        {"gateway": {"enabled": True, "certificateMap": "m", "parentRefs": [{"name": "shared"}]}},
        ["gateway.parentRefs attaches the route to existing Gateways"]),
    "parent-ref-without-name": ({"gateway": {"enabled": True, "create": False, "parentRefs": [{"namespace": "x"}]}},
                                ["/gateway/parentRefs/0", "name"]),
    "backend-timeout-below-request-timeout": (
        {"gateway": {"enabled": True, "certificateMap": "m", "backendPolicy": {"enabled": True, "timeoutSec": 5}}},
        ["gateway.backendPolicy.timeoutSec (5 s) must exceed app.requestTimeoutMs (5000 ms)"]),
    "iap-without-client": (
        {"gateway": {"enabled": True, "certificateMap": "m",
                     "backendPolicy": {"enabled": True, "iap": {"enabled": True}}}},
        ["gateway.backendPolicy.iap.enabled needs gateway.backendPolicy.iap.clientID"]),
    "unknown-global-type": ({"global": "yes"}, ["/global", "want object"]),
    "label-value-too-long": ({"commonLabels": {"team": "x" * 64}}, ["/commonLabels/team"]),
    # Extension points are typed with the Kubernetes object shapes.
    "sidecar-unknown-field": ({"extraContainers": [{**SIDECAR, "volumeMount": []}]},
                              ["/extraContainers/0", "volumeMount"]),
    "sidecar-without-name": ({"extraContainers": [{"image": "example.com/shipper:1.0.0"}]},
                             ["/extraContainers/0", "name"]),
    "volume-wrong-type": ({"extraVolumes": [{"name": "v", "emptyDir": {"sizeLimit": []}}]},
                          ["/extraVolumes/0/emptyDir/sizeLimit"]),
    "env-from-typo": ({"app": {"extraEnvFrom": [{"configMapRefs": {"name": "x"}}]}},
                      ["/app/extraEnvFrom/0", "configMapRefs"]),
    "security-context-wrong-type": ({"app": {"securityContext": {"runAsUser": "root"}}},
                                    ["/app/securityContext/runAsUser"]),
    "probe-endpoint-not-settable": ({"app": {"probes": {"liveness": {"httpGet": {"path": "/"}}}}},
                                    ["/app/probes/liveness", "httpGet"]),
    "strategy-unknown-type": ({"strategy": {"type": "BlueGreen"}}, ["/strategy"]),
    # Duplicates server-side apply (Helm 4) would reject, named before anything is applied.
    "env-clashes-with-chart": (
        {"database": {"user": "hello", "auth": {"mode": "password", "existingSecret": {"name": "db"}}},
         "app": {"extraEnv": [{"name": "DB_PASSWORD_FILE", "value": "/x"}]}},
        ["app.extraEnv: DB_PASSWORD_FILE is already set by the chart (password mode)"]),
    "env-repeated": ({"app": {"extraEnv": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}},
                     ["app.extraEnv: A is already set by app.extraEnv"]),
    "container-name-clash": ({"extraContainers": [{**SIDECAR, "name": "cloud-sql-proxy"}]},
                             ['extraContainers: container name "cloud-sql-proxy" is already used by the chart']),
    "init-and-sidecar-same-name": ({"extraInitContainers": [SIDECAR], "extraContainers": [SIDECAR]},
                                   ['extraContainers: container name "shipper" is already used by extraInitContainers']),
    "volume-name-clash": ({"extraVolumes": [{"name": "tmp", "emptyDir": {}}]},
                          ['extraVolumes: volume name "tmp" is already used by the chart']),
    "mount-of-undefined-volume": ({"app": {"extraVolumeMounts": [{"name": "ca", "mountPath": "/etc/ca"}]}},
                                  ['app.extraVolumeMounts: volume "ca" is not defined']),
    "sidecar-mount-of-undefined-volume": (
        {"extraContainers": [{**SIDECAR, "volumeMounts": [{"name": "state", "mountPath": "/s"}]}]},
        ['extraContainers: container "shipper" mounts volume "state", which is not defined']),
    "mount-path-clash": ({"extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                          "app": {"extraVolumeMounts": [{"name": "scratch", "mountPath": "/tmp"}]}},
                         ["app.extraVolumeMounts: mountPath /tmp is already used by the chart"]),
    "sidecar-port-clash": ({"extraContainers": [{**SIDECAR, "ports": [{"containerPort": 9090}]}]},
                           ['extraContainers: container "shipper" port 9090 clashes with app.metricsPort']),
    "no-progress-strategy": ({"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}},
                             ["strategy.rollingUpdate.maxSurge and strategy.rollingUpdate.maxUnavailable are both 0"]),
    "readiness-probe-shorter-than-ping": ({"app": {"readinessTimeoutMs": 2000}},
                                          ["app.probes.readiness.timeoutSeconds (2 s) must exceed app.readinessTimeoutMs (2000 ms)"]),
    "surge-percentage-over-budget": (
        {"strategy": {"rollingUpdate": {"maxSurge": "25%"}}},
        ["database.pool.maxSize (8) x (autoscaling.maxReplicas (10) + 3 surge pods) = 104 connections"]),
    "proxy-port-clash": ({"cloudSqlProxy": {"httpPort": 9090}}, ["cloudSqlProxy.httpPort (9090) clashes"]),
    "connection-budget-hpa": (
        {"database": {"pool": {"maxSize": 20}}},
        ["database.pool.maxSize (20) x (autoscaling.maxReplicas (10) + 1 surge pod) = 220 connections"
         " > database.maxConnections (90)"],
    ),
    "connection-budget-fixed-replicas": (
        {"autoscaling": {"enabled": False}, "replicaCount": 11},
        ["database.pool.maxSize (8) x (replicaCount (11) + 1 surge pod) = 96 connections > database.maxConnections (90)"],
    ),
}


@pytest.mark.parametrize("name", BAD_VALUES)
def test_bad_value_fails_naming_the_key(name, helm, tmp_path):
    override, expected = BAD_VALUES[name]
    values = tmp_path / "bad-values.yaml"
    values.write_text(yaml.safe_dump(override))
    result = helm_template(DEFAULT_SCENARIO, values, check=False, helm=helm)
    assert result.returncode != 0, f"{name}: accepted"
    for text in expected:
        assert text in result.stderr, f"{name}: {text!r} not in:\n{result.stderr}"


def test_connection_budget_allows_exactly_the_limit(tmp_path):
    # 10 connections x (10 replicas + 1 surge pod of a rolling update) = 110.
    values = tmp_path / "limit.yaml"
    values.write_text(yaml.safe_dump({"database": {"pool": {"maxSize": 10}, "maxConnections": 110}}))
    assert "kind: Deployment" in helm_template(DEFAULT_SCENARIO, values)
    values.write_text(yaml.safe_dump({"database": {"pool": {"maxSize": 10}, "maxConnections": 109}}))
    result = helm_template(DEFAULT_SCENARIO, values, check=False)
    assert result.returncode != 0 and "= 110 connections > database.maxConnections (109)" in result.stderr


def test_default_pool_fits_the_default_budget_with_a_surge_pod():
    rendered = helm_template(DEFAULT_SCENARIO)
    assert 'DB_POOL_MAX_SIZE: "8"' in rendered and "maxSurge: 1" in rendered


@pytest.mark.parametrize(
    "strategy,surge",
    [
        ({"type": "Recreate"}, 0),
        ({"rollingUpdate": {"maxSurge": 3}}, 3),
        ({"rollingUpdate": {"maxSurge": "10%"}}, 1),  # 10 % of 10 replicas
        ({"rollingUpdate": {"maxSurge": "11%"}}, 2),  # rounded up, as Kubernetes does
        ({"rollingUpdate": {"maxSurge": None}}, 3),  # Kubernetes' default 25 %, rounded up
    ],
)
def test_connection_budget_counts_the_strategy_surge(strategy, surge, tmp_path):
    """The limit is met exactly at maxSize x (10 + surge) and exceeded one connection below."""
    limit = 8 * (10 + surge)
    values = tmp_path / "strategy.yaml"
    values.write_text(yaml.safe_dump({"strategy": strategy, "database": {"maxConnections": limit}}))
    rendered = helm_template(DEFAULT_SCENARIO, values)
    if strategy.get("type") == "Recreate":
        assert "type: Recreate" in rendered and "rollingUpdate" not in rendered
    values.write_text(yaml.safe_dump({"strategy": strategy, "database": {"maxConnections": limit - 1}}))
    result = helm_template(DEFAULT_SCENARIO, values, check=False)
    assert result.returncode != 0 and f"= {limit} connections > database.maxConnections ({limit - 1})" in result.stderr
