"""What the rendered objects do: autoscaling, the proxy sidecar, identity, exposure, shutdown timing, guards."""

import json
import re

import pytest
import yaml

from conftest import CHART, DEFAULT_SCENARIO, ROOT, one, render, scenario_objects

FULLNAME = "hello-hello-server"
CI = CHART / "ci"


def app_container(objects) -> dict:
    return one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def pod_spec(objects) -> dict:
    return one(objects, "Deployment")["spec"]["template"]["spec"]


def proxy_container(objects) -> dict:
    [proxy] = [c for c in pod_spec(objects).get("initContainers", []) if c["name"] == "cloud-sql-proxy"]
    return proxy


def config(objects) -> dict:
    return one(objects, "ConfigMap", FULLNAME)["data"]


def test_hpa_targets_cpu_80_percent(default_objects):
    hpa = one(default_objects, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": FULLNAME}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    assert hpa["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
    ]
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert "replicas" not in one(default_objects, "Deployment")["spec"], "the HPA owns the replica count"
    assert "cpu" in app_container(default_objects)["resources"]["requests"], "HPA utilisation needs a CPU request"


def test_optional_memory_target():
    hpa = one(render(DEFAULT_SCENARIO, sets=["autoscaling.targetMemoryUtilizationPercentage=70"]), "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"][1]["resource"] == {
        "name": "memory", "target": {"type": "Utilization", "averageUtilization": 70},
    }


def test_hpa_off_uses_fixed_replicas():
    objects = scenario_objects(CI / "hpa-off-values.yaml")
    assert not [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    assert one(objects, "Deployment")["spec"]["replicas"] == 4
    assert one(objects, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_no_pdb_for_a_single_replica():
    objects = render(DEFAULT_SCENARIO, sets=["autoscaling.enabled=false", "replicaCount=1"])
    assert not [o for o in objects if o["kind"] == "PodDisruptionBudget"]


def test_proxy_is_a_native_sidecar_with_the_required_flags(default_objects):
    proxy = proxy_container(default_objects)
    assert proxy["restartPolicy"] == "Always"
    assert re.fullmatch(r"gcr\.io/cloud-sql-connectors/cloud-sql-proxy:2\.\d+\.\d+", proxy["image"])
    args = proxy["args"]
    for flag in (
        "--structured-logs", "--address=127.0.0.1", "--port=5432", "--private-ip", "--auto-iam-authn",
        "--health-check", "--http-address=0.0.0.0", "--http-port=9801", "--prometheus", "--exit-zero-on-sigterm",
    ):
        assert flag in args, flag
    assert args[-1] == "hello-demo:europe-west1:hello-pg", "instance connection name is the last argument"
    assert proxy["startupProbe"]["httpGet"] == {"path": "/startup", "port": "proxy-metrics"}
    assert proxy["livenessProbe"]["httpGet"] == {"path": "/liveness", "port": "proxy-metrics"}
    assert proxy["ports"] == [{"name": "proxy-metrics", "containerPort": 9801, "protocol": "TCP"}]
    assert config(default_objects)["DB_HOST"] == "127.0.0.1" and config(default_objects)["DB_PORT"] == "5432"


def test_password_mode_reads_the_secret_as_a_file():
    objects = scenario_objects(CI / "password-existing-secret-values.yaml")
    assert "--auto-iam-authn" not in proxy_container(objects)["args"]
    app = app_container(objects)
    assert {"name": "DB_PASSWORD_FILE", "value": "/var/run/secrets/hello-server/db/password"} in app["env"]
    assert {"name": "db-password", "mountPath": "/var/run/secrets/hello-server/db", "readOnly": True} in app[
        "volumeMounts"
    ]
    [volume] = [v for v in pod_spec(objects)["volumes"] if v["name"] == "db-password"]
    assert volume["secret"]["secretName"] == "hello-db-credentials"
    assert volume["secret"]["items"] == [{"key": "db-password", "path": "password"}]
    assert not [o for o in objects if o["kind"] == "Secret"], "an existing Secret is used, none created"
    assert all("PASSWORD" not in key for key in config(objects)), "no password in the ConfigMap"
    assert app["image"].endswith("@sha256:3b5a4d2c1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b")


def test_chart_created_secret_only_on_request_and_warned():
    objects = render(
        DEFAULT_SCENARIO, sets=["database.auth.mode=password", "database.user=hello", "database.auth.password=s3cret"]
    )
    secret = one(objects, "Secret")
    assert secret["data"] == {"password": "czNjcmV0"}
    [volume] = [v for v in pod_spec(objects)["volumes"] if v["name"] == "db-password"]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]


def test_iam_mode_has_no_password_anywhere(default_objects):
    assert not [o for o in default_objects if o["kind"] == "Secret"]
    assert "env" not in app_container(default_objects)
    assert config(default_objects)["DB_USER"] == "hello-server@hello-demo.iam", "IAM user = SA email minus suffix"


def test_proxy_off_connects_directly():
    objects = scenario_objects(CI / "proxy-off-values.yaml")
    assert "initContainers" not in pod_spec(objects)
    assert (config(objects)["DB_HOST"], config(objects)["DB_PORT"]) == ("postgres.databases.svc.cluster.local", "5432")
    assert not [o for o in objects if o["kind"] == "ServiceAccount"], "serviceAccount.create=false"
    assert pod_spec(objects)["serviceAccountName"] == "default"
    policy = one(objects, "NetworkPolicy", FULLNAME)
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert {"port": 5432, "protocol": "TCP"} in policy["spec"]["egress"][-1]["ports"]


def test_workload_identity_annotation(default_objects):
    account = one(default_objects, "ServiceAccount")
    assert account["metadata"]["name"] == "hello-server", "fixed name, matched by Terraform's WI member"
    assert account["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == (
        "hello-server@hello-demo.iam.gserviceaccount.com"
    )
    assert account["automountServiceAccountToken"] is False
    assert pod_spec(default_objects)["serviceAccountName"] == "hello-server"


def test_metrics_port_never_on_the_public_service(scenario):
    objects = scenario_objects(scenario)
    public = one(objects, "Service", FULLNAME)
    assert [(p["name"], p["targetPort"]) for p in public["spec"]["ports"]] == [("http", "http")]
    metrics = one(objects, "Service", f"{FULLNAME}-metrics")
    assert metrics["spec"]["type"] == "ClusterIP"
    assert "metrics" in [p["name"] for p in metrics["spec"]["ports"]]


def test_public_service_defaults_to_load_balancer_port_80(default_objects):
    public = one(default_objects, "Service", FULLNAME)
    assert public["spec"]["type"] == "LoadBalancer"
    assert public["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


def test_app_ports_and_probes(default_objects):
    app = app_container(default_objects)
    assert app["ports"] == [
        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
    ]
    assert app["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize("drain,timeout,margin", [(5, 20, 5), (10, 50, 3), (0, 1, 0)])
def test_grace_period_covers_drain_and_timeout(drain, timeout, margin):
    objects = render(
        DEFAULT_SCENARIO,
        sets=[
            f"app.shutdown.drainSeconds={drain}",
            f"app.shutdown.timeoutSeconds={timeout}",
            f"app.shutdown.marginSeconds={margin}",
        ],
    )
    spec = pod_spec(objects)
    assert spec["terminationGracePeriodSeconds"] == drain + timeout + margin
    assert config(objects)["SHUTDOWN_DRAIN_SECONDS"] == str(drain)
    assert config(objects)["SHUTDOWN_TIMEOUT_SECONDS"] == str(timeout)
    # The proxy keeps serving open connections for as long as the app may still be finishing requests.
    assert f"--max-sigterm-delay={drain + timeout}s" in proxy_container(objects)["args"]


def test_config_change_rolls_the_pods(default_objects):
    before = pod_spec(default_objects)
    after = render(DEFAULT_SCENARIO, sets=["database.pool.maxSize=5"])
    checksum = "checksum/config"
    assert (
        one(default_objects, "Deployment")["spec"]["template"]["metadata"]["annotations"][checksum]
        != one(after, "Deployment")["spec"]["template"]["metadata"]["annotations"][checksum]
    )
    assert before == pod_spec(render(DEFAULT_SCENARIO)), "rendering is deterministic"


@pytest.mark.parametrize(
    "sets,expected",
    [
        ([], "europe-west1-docker.pkg.dev/hello-demo/hello/hello-server:0.1.0"),
        (["image.tag=1.2.3"], "europe-west1-docker.pkg.dev/hello-demo/hello/hello-server:1.2.3"),
        (
            ["image.tag=1.2.3", "image.digest=sha256:" + "a" * 64],
            "europe-west1-docker.pkg.dev/hello-demo/hello/hello-server@sha256:" + "a" * 64,
        ),
    ],
)
def test_image_by_tag_or_digest(sets, expected):
    objects = render(DEFAULT_SCENARIO, sets=sets)
    assert app_container(objects)["image"] == expected
    assert one(objects, "Pod")["spec"]["containers"][0]["image"] == expected, "helm test uses the app image"


def test_app_version_is_the_crate_version():
    cargo = (ROOT / "Cargo.toml").read_text()
    crate_version = re.search(r'(?m)^\[package\][^\[]*?^version\s*=\s*"([^"]+)"', cargo).group(1)
    chart = (CHART / "Chart.yaml").read_text()
    assert re.search(r'(?m)^appVersion:\s*"?([^"\s]+)', chart).group(1) == crate_version
    assert re.search(r'(?m)^kubeVersion:\s*"?(>=1\.29\.0-0)"?', chart)


def test_google_cloud_project_and_settings_reach_the_app(default_objects):
    data = config(default_objects)
    assert data["GOOGLE_CLOUD_PROJECT"] == "hello-demo"
    assert data["LOG_FORMAT"] == "json"
    assert (data["PORT"], data["METRICS_PORT"]) == ("8080", "9090")
    envfrom = app_container(default_objects)["envFrom"]
    assert envfrom == [{"configMapRef": {"name": FULLNAME}}]


def test_every_variable_the_chart_sets_is_one_the_binary_reads(scenario):
    """The binary is the source of truth for setting names: its clap `env = "..."` attributes (+ RUST_LOG)."""
    source = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.rs"))
    known = set(re.findall(r'env\s*=\s*"([A-Z0-9_]+)"', source))
    assert "DB_POOL_MAX_SIZE" in known, "could not read the binary's settings"
    if "RUST_LOG" in source:
        known.add("RUST_LOG")
    objects = scenario_objects(scenario)
    user_env = {e["name"] for e in (yaml.safe_load(scenario.read_text()).get("app") or {}).get("extraEnv", [])}
    names = set(config(objects)) | {e["name"] for e in app_container(objects).get("env", [])} - user_env
    assert names <= known, f"not read by the binary: {sorted(names - known)}"


def test_topology_spread_over_zones_and_nodes(default_objects):
    keys = [c["topologyKey"] for c in pod_spec(default_objects)["topologySpreadConstraints"]]
    assert keys == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]


def test_network_policy_limits_metrics_to_monitoring(default_objects):
    policy = one(default_objects, "NetworkPolicy", FULLNAME)
    public, metrics = policy["spec"]["ingress"]
    assert "from" not in public and public["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert [p["port"] for p in metrics["ports"]] == ["metrics", 9801]
    namespaces = [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for peer in metrics["from"]]
    assert namespaces == ["gmp-system", "monitoring"]
    assert policy["spec"]["policyTypes"] == ["Ingress"]


def test_gateway_tls_entry():
    objects = scenario_objects(CI / "gateway-tls-values.yaml")
    gateway = one(objects, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "gke-l7-global-external-managed"
    assert gateway["metadata"]["annotations"]["networking.gke.io/certmap"] == "hello-cert-map"
    assert gateway["spec"]["listeners"][0]["protocol"] == "HTTPS"
    route = one(objects, "HTTPRoute")
    assert route["spec"]["hostnames"] == ["hello.example.com"]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": FULLNAME, "port": 80}]
    policy = one(objects, "HealthCheckPolicy")
    assert policy["spec"]["default"]["config"]["httpHealthCheck"]["requestPath"] == "/readyz"
    assert policy["spec"]["targetRef"] == {"group": "", "kind": "Service", "name": FULLNAME}
    assert one(objects, "Service", FULLNAME)["spec"]["type"] == "ClusterIP"


def test_gateway_route_attached_to_an_existing_gateway():
    objects = scenario_objects(CI / "gateway-existing-values.yaml")
    assert not [o for o in objects if o["kind"] == "Gateway"], "no load balancer of its own"
    route = one(objects, "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "shared-external", "namespace": "gateway-infra", "sectionName": "https"}]
    assert route["spec"]["hostnames"] == ["hello.apps.example.com"]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": FULLNAME, "port": 80}]
    assert one(objects, "HealthCheckPolicy")["spec"]["targetRef"]["name"] == FULLNAME
    policy = one(objects, "GCPBackendPolicy")["spec"]
    assert policy["targetRef"] == {"group": "", "kind": "Service", "name": FULLNAME}
    assert policy["default"] == {
        "timeoutSec": 6,  # app.requestTimeoutMs 5000 -> 5 s, plus one
        "connectionDraining": {"drainingTimeoutSec": 25},  # drain 5 s + in-flight 20 s
        "securityPolicy": "edge-default",
        "iap": {
            "enabled": True,
            "clientID": "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com",
            "oauth2ClientSecret": {"name": "hello-iap-oauth"},
        },
    }


def test_backend_policy_is_optional_and_iap_off_by_default():
    assert not [o for o in scenario_objects(CI / "gateway-tls-values.yaml") if o["kind"] == "GCPBackendPolicy"]
    objects = render(CI / "gateway-tls-values.yaml", sets=["gateway.backendPolicy.enabled=true"])
    default = one(objects, "GCPBackendPolicy")["spec"]["default"]
    assert "iap" not in default and "securityPolicy" not in default


@pytest.mark.parametrize(
    "sets,timeout",
    [
        ([], 6),
        (["app.requestTimeoutMs=5001"], 7),
        (["app.requestTimeoutMs=800"], 2),
        (["app.requestTimeoutMs=30000"], 31),
        (["gateway.backendPolicy.timeoutSec=45"], 45),
    ],
)
def test_backend_timeout_stays_above_the_request_deadline(sets, timeout):
    objects = render(CI / "gateway-tls-values.yaml", sets=["gateway.backendPolicy.enabled=true", *sets])
    assert one(objects, "GCPBackendPolicy")["spec"]["default"]["timeoutSec"] == timeout
    deadline = int(config(objects)["REQUEST_TIMEOUT_MS"])
    assert timeout * 1000 > deadline


@pytest.mark.parametrize("readiness_ms,timeout,interval", [(500, 2, 5), (1500, 3, 5), (4200, 6, 6)])
def test_health_check_outlasts_the_readiness_deadline(readiness_ms, timeout, interval):
    objects = render(
        CI / "gateway-tls-values.yaml",
        sets=[f"app.readinessTimeoutMs={readiness_ms}", f"app.probes.readiness.timeoutSeconds={timeout + 1}"],
    )
    check = one(objects, "HealthCheckPolicy")["spec"]["default"]
    assert (check["timeoutSec"], check["checkIntervalSec"]) == (timeout, interval)


def test_helm_test_pod_checks_readyz_and_a_greeting(default_objects):
    pod = one(default_objects, "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert "hook-succeeded" in pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    base = f"http://{FULLNAME}.hello.svc:80"
    assert [c["args"][:2] for c in pod["spec"]["containers"]] == [
        ["check", f"{base}/readyz"],
        ["check", f"{base}/greeting/1"],
    ]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["metadata"]["annotations"]["helm.sh/hook-output-log-policy"] == "hook-failed", (
        "a failed check prints its output in `helm test`"
    )


def test_only_app_pods_match_the_app_selector(scenario):
    """Services, PDB, NetworkPolicy and scrapers select by these labels: the helm test pod must not match."""
    objects = scenario_objects(scenario)
    selector = one(objects, "Deployment")["spec"]["selector"]["matchLabels"]
    for pod in [o for o in objects if o["kind"] == "Pod"]:
        assert not selector.items() <= pod["metadata"]["labels"].items(), pod["metadata"]["name"]


def test_helm_test_pod_admits_no_ingress(default_objects):
    policy = one(default_objects, "NetworkPolicy", f"{FULLNAME}-test")
    assert policy["metadata"]["annotations"]["helm.sh/hook"] == "test"
    pod = one(default_objects, "Pod")
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert policy["spec"]["policyTypes"] == ["Ingress"] and "ingress" not in policy["spec"]


# The values paths Terraform's helm_values output fills in; their meaning is fixed.
SHARED_VALUE_PATHS = [
    "image.repository", "image.tag", "image.digest", "googleCloudProject",
    "serviceAccount.create", "serviceAccount.name", "serviceAccount.gcpServiceAccount",
    "database.name", "database.user", "database.auth.mode", "database.auth.existingSecret.name",
    "database.auth.existingSecret.key", "database.auth.password",
    "cloudSqlProxy.enabled", "cloudSqlProxy.instanceConnectionName", "cloudSqlProxy.privateIp",
]


@pytest.mark.parametrize("path", SHARED_VALUE_PATHS)
def test_values_interface_shared_with_terraform(path):
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for key in path.split("."):
        schema = schema["properties"][key]
        values = values[key]
    assert "type" in schema
    if path == "serviceAccount.name":
        assert values == "hello-server"
