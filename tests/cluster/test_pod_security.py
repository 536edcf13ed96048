"""The pods really run as the chart says, seen from inside them (an ephemeral debug container sharing the app's
process and network namespaces, itself held to the restricted profile): uid/gid 65532, no capabilities,
no_new_privs, seccomp, a read-only root filesystem where a write fails, the probes' endpoints answering, and the
shutdown settings (grace period, drain, timeout, preStop) present in the running pod and process."""

from __future__ import annotations

import re
import secrets

import pytest
import yaml

from conftest import pod_ready


def _debug(kube, target, pod: dict) -> tuple[str, str]:
    """Attaches a long-running toolbox container targeting the app container; returns (pod, container) names."""
    name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
    container = f"probe-{secrets.token_hex(3)}"
    kube.run("-n", namespace, "debug", f"pod/{name}", f"--image={target.toolbox}", "--target=hello-server",
             "--profile=restricted", f"--container={container}",
             f"--image-pull-policy={'Never' if target.local else 'IfNotPresent'}", "--", "sleep", "600")

    def running():
        current = kube.json("-n", namespace, "get", "pod", name)
        statuses = current["status"].get("ephemeralContainerStatuses", [])
        return any(s["name"] == container and "running" in s["state"] for s in statuses)

    kube.wait_for(f"debug container {container} in {name}", running, timeout=60)
    return name, container


@pytest.fixture(scope="module")
def inside(app, kube, target):
    """sh -c COMMAND inside the first app pod's debug container → (exit code, output)."""
    pod = app.pods()[0]
    name, container = _debug(kube, target, pod)

    def sh(command: str) -> tuple[int, str]:
        result = kube.run("-n", app.namespace, "exec", name, "-c", container, "--", "sh", "-c", command, check=False)
        return result.returncode, result.stdout + result.stderr

    sh.pod = kube.json("-n", app.namespace, "get", "pod", name)
    return sh


def _within(rendered, live) -> bool:
    """Every field the chart rendered is in the live object with that value (the API server only adds defaults)."""
    if isinstance(rendered, dict):
        return isinstance(live, dict) and all(k in live and _within(v, live[k]) for k, v in rendered.items())
    if isinstance(rendered, list):
        return isinstance(live, list) and len(rendered) == len(live) and all(map(_within, rendered, live))
    return rendered == live


def _status_fields(text: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def test_app_process_identity_capabilities_and_seccomp(inside):
    code, out = inside("cat /proc/1/cmdline | tr '\\0' ' '; echo; cat /proc/1/status")
    assert code == 0, out
    assert out.splitlines()[0].startswith("/usr/local/bin/hello-server"), "pid 1 of the pod is not the app"
    status = {k: v.split() for k, v in _status_fields(out).items()}
    assert status["Uid"] == ["65532"] * 4 and status["Gid"] == ["65532"] * 4, (status["Uid"], status["Gid"])
    for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert status[caps] == ["0000000000000000"], f"{caps} = {status[caps]}"
    assert status["NoNewPrivs"] == ["1"]
    assert status["Seccomp"] == ["2"], "seccomp filter mode (RuntimeDefault)"


def test_root_filesystem_is_read_only_and_tmp_is_writable(inside):
    code, out = inside("awk '$5 == \"/\" {print $6}' /proc/1/mountinfo")
    assert code == 0 and out.strip().split(",")[0] == "ro", out
    code, out = inside("echo x > /proc/1/root/usr/local/bin/probe")
    assert code != 0 and "Read-only file system" in out, out
    code, out = inside("echo x > /proc/1/root/probe")
    assert code != 0 and "Read-only file system" in out, out
    # The same write where the chart mounts an emptyDir succeeds: the failures above are the read-only root.
    code, out = inside("echo x > /proc/1/root/tmp/probe && cat /proc/1/root/tmp/probe && rm /proc/1/root/tmp/probe")
    assert code == 0 and out.strip() == "x", out


def test_probe_endpoints_answer_on_their_ports(inside):
    pod = inside.pod
    (app,) = [c for c in pod["spec"]["containers"] if c["name"] == "hello-server"]
    ports = {p["name"]: p["containerPort"] for p in app["ports"]}
    probes = {kind: app[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    for kind, probe in probes.items():
        port = ports.get(probe["port"], probe["port"])
        code, out = inside(f"timeout 5 wget -q -S -O - http://127.0.0.1:{port}{probe['path']} 2>&1")
        assert code == 0 and "200 OK" in out, f"{kind} {probe['path']} on {port}: {out}"
    assert pod_ready(pod)
    for status in pod["status"]["containerStatuses"]:
        assert status["started"] and status["ready"] and status["restartCount"] == 0, status
    # The admin port answers too (/healthz there as well), and is the only place /metrics is served.
    code, out = inside(f"timeout 5 wget -q -O - http://127.0.0.1:{ports['metrics']}/metrics")
    assert code == 0 and "http_requests_total" in out, out[:500]


def test_shutdown_settings_reach_the_pod_and_the_process(app, inside):
    pod = inside.pod
    (deployment,) = [d for d in app.manifest() if d["kind"] == "Deployment"]
    template = deployment["spec"]["template"]["spec"]
    values = yaml.safe_load(app.helm("get", "values", app.name, "-n", app.namespace, "--all", "-o", "yaml").stdout)
    shutdown = values["app"]["shutdown"]
    grace = shutdown["drainSeconds"] + shutdown["timeoutSeconds"] + shutdown["marginSeconds"]
    assert pod["spec"]["terminationGracePeriodSeconds"] == grace == template["terminationGracePeriodSeconds"]
    (rendered,) = [c for c in template["containers"] if c["name"] == "hello-server"]
    (live,) = [c for c in pod["spec"]["containers"] if c["name"] == "hello-server"]
    assert live.get("lifecycle") == rendered.get("lifecycle"), "preStop/postStart hooks as rendered"
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert _within(rendered[kind], live[kind]), (kind, rendered[kind], live[kind])
    code, out = inside("tr '\\0' '\\n' < /proc/1/environ")
    assert code == 0, out
    environment = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert environment.get("SHUTDOWN_DRAIN_SECONDS") == str(shutdown["drainSeconds"]), environment
    assert environment.get("SHUTDOWN_TIMEOUT_SECONDS") == str(shutdown["timeoutSeconds"]), environment
    assert not any(re.search("PASSWORD$", k) and k != "DB_PASSWORD_FILE" for k in environment), \
        "the password comes from a file, never the environment"


def test_restricted_namespace_refuses_a_privileged_pod(app, kube, target):
    """The namespace label is enforced by the API server, so the checks above ran under the restricted profile."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "root-probe", "namespace": app.namespace},
           "spec": {"containers": [{"name": "c", "image": target.toolbox, "securityContext": {"runAsUser": 0}}]}}
    result = kube.apply(pod, "--dry-run=server", check=False)
    assert result.returncode != 0 and "violates PodSecurity \"restricted" in result.stderr, result.stderr
