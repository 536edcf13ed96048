"""Pod security in every scenario: the restricted Pod Security Standard field by field, nothing GKE Autopilot
rejects, and checkov's Kubernetes checks with the repository's reasoned skip list."""

import json
import pathlib

import yaml

from conftest import CHECKOV, ROOT, SCENARIOS, containers, pod_specs, run, scenario_objects, scenario_text

# Volume types the restricted profile allows.
RESTRICTED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}


def effective(pod_spec: dict, container: dict, field: str):
    """A securityContext field as the kubelet applies it: the container's value wins over the pod's."""
    value = container.get("securityContext", {}).get(field)
    return pod_spec.get("securityContext", {}).get(field) if value is None else value


def test_restricted_pod_security_standard(scenario):
    checked = 0
    for owner, spec in pod_specs(scenario_objects(scenario)):
        for flag in ("hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"):
            assert not spec.get(flag), f"{owner}: {flag}"
        assert not spec.get("securityContext", {}).get("sysctls"), f"{owner}: sysctls"
        for volume in spec.get("volumes", []):
            kinds = set(volume) - {"name"}
            assert kinds <= RESTRICTED_VOLUME_TYPES, f"{owner}: volume {volume['name']} uses {kinds}"
        for c in containers(spec):
            where = f"{owner}/{c['name']}"
            ctx = c.get("securityContext", {})
            assert ctx.get("privileged") is not True, f"{where}: privileged"
            assert ctx.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
            assert ctx.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
            assert ctx.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: capabilities.drop"
            assert not ctx.get("capabilities", {}).get("add"), f"{where}: capabilities.add"
            assert effective(spec, c, "runAsNonRoot") is True, f"{where}: runAsNonRoot"
            # The restricted profile itself only forbids root; GKE Autopilot also rejects group 0.
            assert isinstance(effective(spec, c, "runAsUser"), int) and effective(spec, c, "runAsUser") > 0, (
                f"{where}: runAsUser"
            )
            assert isinstance(effective(spec, c, "runAsGroup"), int) and effective(spec, c, "runAsGroup") > 0, (
                f"{where}: runAsGroup"
            )
            seccomp = effective(spec, c, "seccompProfile") or {}
            assert seccomp.get("type") == "RuntimeDefault", f"{where}: seccompProfile"
            assert ctx.get("procMount") in (None, "Default"), f"{where}: procMount"
            assert not ctx.get("windowsOptions", {}).get("hostProcess"), f"{where}: hostProcess"
            assert all("hostPort" not in p for p in c.get("ports", [])), f"{where}: hostPort"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c.get("resources", {}).get(kind, {})), f"{where}: {kind}"
            checked += 1
    assert checked >= 2, "no containers found"


def test_long_running_containers_have_probes(scenario):
    for owner, spec in pod_specs(scenario_objects(scenario)):
        if not owner.startswith("Deployment/"):
            continue
        for c in spec["containers"] + [i for i in spec.get("initContainers", []) if i.get("restartPolicy") == "Always"]:
            assert "startupProbe" in c and "livenessProbe" in c, f"{owner}/{c['name']}: probes"


def test_checkov_kubernetes_checks(tmp_path: pathlib.Path):
    """checkov with the repository's one skip list (.checkov.yaml, every skip with its reason)."""
    assert CHECKOV.is_file(), "checkov missing: run `bash scripts/setup.sh`"
    config = ROOT / ".checkov.yaml"
    skips = yaml.safe_load(config.read_text())["skip-check"]
    kubernetes_skips = [s for s in skips if s.startswith("CKV_K8S") or s.startswith("CKV2_K8S")]
    assert kubernetes_skips, "expected the chart's reasoned skips in .checkov.yaml"
    for values in SCENARIOS:
        (tmp_path / values.name).write_text(scenario_text(values))
    result = run(
        [CHECKOV, "--config-file", config, "--directory", tmp_path, "--framework", "kubernetes",
         "--quiet", "--output", "json"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BC_SKIP_MAPPING": "TRUE"},
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    summary = reports[0]["summary"]
    assert summary["resource_count"] >= 10 * len(SCENARIOS), f"checkov saw too little: {summary}"
    failed = [
        f"{f['check_id']} {f['check_name']}: {f['resource']} ({f['file_path']})"
        for report in reports
        for f in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert result.returncode == 0, result.stderr[-2000:]
