"""The sidecar's arguments are accepted by the real Cloud SQL Auth Proxy of the pinned version: it parses them
and gets as far as looking for Google credentials (there are none here, so it stops there, before binding)."""

import pytest
import yaml

from conftest import CHART, SCENARIOS, SCENARIO_IDS, containers, pod_specs, run, scenario_objects, tool

PINNED_TAG = yaml.safe_load((CHART / "values.yaml").read_text())["cloudSqlProxy"]["image"]["tag"]


def proxy_args(values_file):
    for _, spec in pod_specs(scenario_objects(values_file)):
        for c in containers(spec):
            if c["name"] == "cloud-sql-proxy":
                return c["args"]
    return None


def run_proxy(args, tmp_path):
    return run(
        [tool("cloud-sql-proxy"), *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "none")},
    )


def test_installed_proxy_is_the_deployed_version():
    result = run([tool("cloud-sql-proxy"), "--version"])
    assert result.stdout.split()[-1] == PINNED_TAG


@pytest.mark.parametrize("values", SCENARIOS, ids=SCENARIO_IDS)
def test_proxy_accepts_the_rendered_arguments(values, tmp_path):
    args = proxy_args(values)
    if args is None:
        assert "proxy-off" in values.name, f"{values.name}: no proxy sidecar"
        return
    result = run_proxy(args, tmp_path)
    output = result.stdout + result.stderr
    assert "unknown flag" not in output and "Usage:" not in output, output
    assert "error initializing dialer" in output and "credentials" in output, output


def test_proxy_rejects_an_unknown_flag(tmp_path):
    """The check above can fail: a flag the proxy does not have is reported before anything else."""
    args = proxy_args(CHART / "ci" / "default-values.yaml")
    result = run_proxy(["--max-sigterm-wait=25s", *args], tmp_path)
    assert result.returncode != 0 and "unknown flag: --max-sigterm-wait" in result.stdout + result.stderr
