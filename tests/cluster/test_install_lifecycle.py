"""The install path users take, with both Helm majors: install --wait, every pod Ready, `helm test`, an upgrade
(Helm 4: server-side apply), and an uninstall that leaves nothing of the release behind."""

from __future__ import annotations

import json

from conftest import Kube, Release, install, pod_ready

# Objects a namespace holds before any release: the root CA ConfigMap, the default ServiceAccount, the
# database Secret the suite creates.
NAMESPACE_DEFAULTS = {"configmap/kube-root-ca.crt", "serviceaccount/default", "secret/hello-db-credentials"}


def _namespaced_kinds(kube: Kube) -> list[str]:
    out = kube.run("api-resources", "--namespaced=true", "--verbs=list", "-o", "name").stdout.split()
    # Events are a record of what happened and pod metrics a view of pods, not objects of the release.
    return sorted(k for k in out if k not in ("events", "events.events.k8s.io") and not k.endswith(".metrics.k8s.io"))


def assert_ready(release: Release, replicas: int) -> list[dict]:
    pods = release.kube.wait_for(
        f"{replicas} Ready pods of {release.name}",
        lambda: (p := release.pods()) and len(p) == replicas and all(pod_ready(x) for x in p) and p,
        timeout=60)
    for pod in pods:
        for status in pod["status"]["containerStatuses"]:
            assert status["ready"] and status["started"], status
    return pods


def assert_helm_test_passes(release: Release):
    result = release.helm("test", release.name, "-n", release.namespace, "--timeout", "3m", check=False)
    if result.returncode != 0:  # a failed test pod is kept (hook-succeeded only deletes passing ones)
        logs = release.kube.run("-n", release.namespace, "logs", "-l", "app.kubernetes.io/component=test",
                                "--all-containers", "--prefix", check=False)
        raise AssertionError(f"helm test failed:\n{result.stdout}\n{result.stderr}\ntest pod logs:\n{logs.stdout}")
    assert "Succeeded" in result.stdout, result.stdout
    # hook-delete-policy hook-succeeded: the test pod is gone afterwards.
    leftover = release.kube.json("-n", release.namespace, "get", "pods", "-l", "app.kubernetes.io/component=test")
    assert leftover["items"] == [], [p["metadata"]["name"] for p in leftover["items"]]


def assert_nothing_left(kube: Kube, namespace: str, release: str, grace_seconds: int = 30):
    """Every namespaced kind (CRDs included), and the release's cluster-scoped traces. The pods Helm's uninstall
    leaves to the garbage collector must be gone within their termination grace period (plus a margin)."""
    kinds = ",".join(_namespaced_kinds(kube))

    def left():
        names = set(kube.run("-n", namespace, "get", kinds, "-o", "name").stdout.split())
        return names - NAMESPACE_DEFAULTS

    remaining = left()
    if remaining and all(n.startswith("pod/") for n in remaining):
        kube.wait_for(f"the pods of {release} to terminate", lambda: not left() or None,
                      timeout=grace_seconds + 30, interval=2)
        remaining = left()
    assert not remaining, f"uninstall of {release} left: {sorted(remaining)}"
    labelled = kube.run("get", "clusterroles,clusterrolebindings,apiservices,mutatingwebhookconfigurations,"
                        "validatingwebhookconfigurations", "-l", f"app.kubernetes.io/instance={release}",
                        "-o", "name").stdout.split()
    assert not labelled, labelled


def managers(obj: dict) -> set[tuple[str, str]]:
    return {(m["manager"], m["operation"]) for m in obj["metadata"].get("managedFields", [])}


def test_helm4_install_test_upgrade_uninstall(kube, helm4, target, namespaces):
    namespace = namespaces.create("e2e-helm4")
    release = install(helm4, kube, target, namespace, "life")
    assert_ready(release, 2)
    deployment = kube.json("-n", namespace, "get", "deployment", "-l", release.selector,
                           "--show-managed-fields")["items"][0]
    # Helm 4 installs with server-side apply: its field manager owns the fields through an Apply operation.
    assert any(op == "Apply" and m.startswith("helm") for m, op in managers(deployment)), managers(deployment)
    assert_helm_test_passes(release)

    # An upgrade that changes the pod template rolls the pods, still through server-side apply.
    install(helm4, kube, target, namespace, "life", "--set", "podAnnotations.hello-server\\.test/rollout=two",
            command="upgrade")
    status = json.loads(helm4("status", "life", "-n", namespace, "-o", "json").stdout)
    assert status["version"] == 2 and status["info"]["status"] == "deployed", status["info"]
    pods = assert_ready(release, 2)
    assert all(p["metadata"]["annotations"].get("hello-server.test/rollout") == "two" for p in pods)
    deployment = kube.json("-n", namespace, "get", "deployment", deployment["metadata"]["name"], "--show-managed-fields")
    assert any(op == "Apply" and m.startswith("helm") for m, op in managers(deployment)), managers(deployment)
    assert not any(op == "Update" and m.startswith("helm") for m, op in managers(deployment)), managers(deployment)

    helm4("uninstall", "life", "-n", namespace, "--wait", "--timeout", "3m")
    assert_nothing_left(kube, namespace, "life")


def test_helm3_install_test_uninstall(kube, helm3, target, namespaces):
    namespace = namespaces.create("e2e-helm3")
    release = install(helm3, kube, target, namespace, "life3")
    assert_ready(release, 2)
    assert_helm_test_passes(release)
    helm3("uninstall", "life3", "-n", namespace, "--wait", "--timeout", "3m")
    assert_nothing_left(kube, namespace, "life3")
