"""Bad values stop `helm template`/`helm install` with a message that names the key (and gives the numbers)."""

import pytest
import yaml

from conftest import DEFAULT_SCENARIO, helm_template

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
def test_bad_value_fails_naming_the_key(name, tmp_path):
    override, expected = BAD_VALUES[name]
    values = tmp_path / "bad-values.yaml"
    values.write_text(yaml.safe_dump(override))
    result = helm_template(DEFAULT_SCENARIO, values, check=False)
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
