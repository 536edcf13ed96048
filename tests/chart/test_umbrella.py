"""The chart as a dependency of an umbrella chart (how Argo CD / Flux wrapper charts and platform bundles use it):
`helm dependency build` from a file:// repository, `global` values shared with the umbrella, the umbrella's
values for the subchart, its own templates beside the subchart's, and the subchart's schema still enforced.
With Helm 4 and Helm 3."""

import shutil

import pytest
import yaml

from conftest import CHART, ROOT, helm_template, one, run, tool

UMBRELLA_VALUES = {
    "global": {
        "imagePullSecrets": [{"name": "platform-registry"}],
        "platformRegion": "europe-west1",  # a global other charts use: accepted and ignored
    },
    "hello-server": {
        "image": {"repository": "europe-west1-docker.pkg.dev/hello-demo/hello/hello-server", "tag": "0.1.0"},
        "googleCloudProject": "hello-demo",
        "serviceAccount": {"gcpServiceAccount": "hello-server@hello-demo.iam.gserviceaccount.com"},
        "cloudSqlProxy": {"instanceConnectionName": "hello-demo:europe-west1:hello-pg"},
        "commonLabels": {"platform.example.com/bundle": "greetings"},
        "service": {"type": "ClusterIP"},
    },
}


@pytest.fixture(scope="module", params=("helm", "helm3"))
def umbrella(request, tmp_path_factory):
    """(helm, umbrella chart dir) with the dependency built by that Helm."""
    helm = request.param
    root = tmp_path_factory.mktemp(f"umbrella-{helm}")
    # The chart's files/ symlinks point into the repository: copy the three directories they need.
    for part in ("alerts", "dashboards"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copytree(CHART, root / "chart" / "hello-server", symlinks=True)
    umbrella = root / "platform"
    (umbrella / "templates").mkdir(parents=True)
    chart_version = yaml.safe_load((CHART / "Chart.yaml").read_text())["version"]
    (umbrella / "Chart.yaml").write_text(yaml.safe_dump({
        "apiVersion": "v2", "name": "platform", "version": "1.0.0",
        "dependencies": [{"name": "hello-server", "version": chart_version,
                          "repository": "file://../chart/hello-server"}],
    }))
    (umbrella / "values.yaml").write_text(yaml.safe_dump(UMBRELLA_VALUES))
    (umbrella / "templates" / "region.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: platform-region\n"
        "data:\n  region: {{ .Values.global.platformRegion }}\n"
    )
    result = run([tool(helm), "dependency", "build", umbrella])
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((umbrella / "charts").glob("hello-server-*.tgz")), "dependency not packaged into charts/"
    return helm, umbrella


def test_umbrella_lints_strictly(umbrella):
    helm, chart = umbrella
    result = run([tool(helm), "lint", "--strict", chart])
    assert result.returncode == 0, result.stdout + result.stderr


def test_umbrella_renders_the_subchart_with_its_values_and_globals(umbrella):
    helm, chart = umbrella
    objects = [d for d in yaml.safe_load_all(helm_template(chart=chart, helm=helm, release="platform")) if d]
    assert one(objects, "ConfigMap", "platform-region")["data"]["region"] == "europe-west1"
    deployment = one(objects, "Deployment", "platform-hello-server")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "platform-registry"}], "global.imagePullSecrets reached the pods"
    assert pod["containers"][0]["image"] == "europe-west1-docker.pkg.dev/hello-demo/hello/hello-server:0.1.0"
    assert one(objects, "Service", "platform-hello-server")["spec"]["type"] == "ClusterIP"
    subchart = [o for o in objects if o["metadata"]["name"] != "platform-region"]
    assert len(subchart) >= 10
    assert all(o["metadata"]["labels"]["platform.example.com/bundle"] == "greetings" for o in subchart)


def test_subchart_schema_still_rejects_unknown_keys(umbrella):
    helm, chart = umbrella
    result = helm_template(chart=chart, helm=helm, release="platform", sets=["hello-server.servce.type=ClusterIP"],
                           check=False)
    assert result.returncode != 0 and "servce" in result.stderr and "hello-server" in result.stderr, result.stderr
