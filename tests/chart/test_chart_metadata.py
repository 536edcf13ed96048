"""Chart.yaml as Artifact Hub and chart-testing (`ct lint`) expect it: maintainers, an icon that exists, the
Artifact Hub annotations (license, links, images, changes) in step with the chart, and the version bump rule."""

import re
import xml.etree.ElementTree as ElementTree

import yaml

import chart_version
from conftest import CHART, ROOT, tool

CHART_YAML = yaml.safe_load((CHART / "Chart.yaml").read_text())
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())
ANNOTATIONS = CHART_YAML["annotations"]
REPOSITORY = "https://github.com/hello-server/hello-server"
RAW_MAIN = "https://raw.githubusercontent.com/hello-server/hello-server/main/"
CHANGE_KINDS = {"added", "changed", "deprecated", "removed", "fixed", "security"}


def annotation_list(key) -> list:
    value = yaml.safe_load(ANNOTATIONS[key])
    assert isinstance(value, list) and value, f"{key} must be a non-empty YAML list"
    return value


def test_maintainers():
    maintainers = CHART_YAML["maintainers"]
    assert maintainers, "ct lint requires maintainers"
    for maintainer in maintainers:
        assert maintainer["name"] and (maintainer.get("email") or maintainer.get("url")), maintainer


def test_icon_is_a_file_of_the_repository():
    icon = CHART_YAML["icon"]
    assert icon.startswith(RAW_MAIN), icon
    path = ROOT / icon.removeprefix(RAW_MAIN)
    assert path.is_file(), f"{icon} points at {path}, which does not exist"
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_home_sources_and_links():
    assert CHART_YAML["home"] == REPOSITORY and REPOSITORY in CHART_YAML["sources"]
    for link in annotation_list("artifacthub.io/links"):
        assert set(link) == {"name", "url"} and link["url"].startswith("https://"), link
        prefix = f"{REPOSITORY}/blob/main/"
        if link["url"].startswith(prefix):
            assert (ROOT / link["url"].removeprefix(prefix)).is_file(), link


def test_license_matches_the_repository():
    license_text = (ROOT / "LICENSE").read_text()
    assert ANNOTATIONS["artifacthub.io/license"] == "Apache-2.0"
    assert "Apache License" in license_text and "Version 2.0" in license_text


def test_images_are_the_ones_deployed():
    images = {i["name"]: i["image"] for i in annotation_list("artifacthub.io/images")}
    assert images["hello-server"].endswith(f":{CHART_YAML['appVersion']}"), "the app image tag is the appVersion"
    proxy = VALUES["cloudSqlProxy"]["image"]
    assert images["cloud-sql-proxy"] == f"{proxy['repository']}:{proxy['tag']}"


def test_changes_describe_this_version():
    for change in annotation_list("artifacthub.io/changes"):
        assert set(change) <= {"kind", "description", "links"} and change["kind"] in CHANGE_KINDS, change
        assert len(change["description"]) > 10, change
    assert ANNOTATIONS["artifacthub.io/containsSecurityUpdates"] in ("true", "false")


def test_supported_helm_and_kubernetes_are_stated():
    assert CHART_YAML["kubeVersion"] == ">=1.29.0-0"
    assert "Helm 4" in CHART_YAML["description"] and "Helm 3" in CHART_YAML["description"]
    readme = (CHART / "README.md").read_text()
    assert "Helm 4" in readme and "Helm 3" in readme


def test_version_is_semver():
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", CHART_YAML["version"])


def test_version_bumped_when_the_packaged_chart_changed():
    """The check itself (tests/chart/chart_version.py) is tested in test_chart_version.py."""
    verdict = chart_version.check(ROOT, tool("helm"))
    assert verdict.startswith("chart "), verdict
