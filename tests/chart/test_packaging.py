"""`helm package` (Helm 4 and Helm 3) resolves the files/ symlinks into the archive, the archive renders exactly
like the source directory, Helm 4's archives are reproducible, the values schema's Kubernetes shapes and the
chart README's values table are generated and current."""

import hashlib
import json
import re
import tarfile

import pytest
import yaml

import values_schema
from conftest import CHART, HELMS, ROOT, SCENARIOS, SCENARIO_IDS, helm_template, run, scenario_text, tool


@pytest.fixture(scope="module", params=HELMS)
def packaged(request, tmp_path_factory):
    helm = request.param
    out = tmp_path_factory.mktemp(f"package-{helm}")
    result = run([tool(helm), "package", CHART, "--destination", out])
    assert result.returncode == 0, result.stderr
    [archive] = out.glob("hello-server-*.tgz")
    with tarfile.open(archive) as tar:
        tar.extractall(out / "unpacked", filter="data")
        members = {m.name: m for m in tar.getmembers()}
    return archive, out / "unpacked" / "hello-server", members, helm


def test_package_contains_the_monitoring_files_as_real_files(packaged):
    _, unpacked, members, _ = packaged
    for source_dir, pattern in (("alerts", "*.yaml"), ("dashboards", "*.json")):
        sources = sorted((ROOT / source_dir).glob(pattern))
        assert sources, f"{source_dir}/ is empty"
        for source in sources:
            member = members[f"hello-server/files/{source_dir}/{source.name}"]
            assert member.isfile(), f"{member.name} is not a regular file in the archive"
            assert (unpacked / "files" / source_dir / source.name).read_bytes() == source.read_bytes()
    assert not [name for name in members if "/files/alerts/tests/" in name], "rule unit tests stay out"
    assert "hello-server/README.md.gotmpl" not in members


@pytest.mark.parametrize("values", SCENARIOS, ids=SCENARIO_IDS)
def test_package_renders_like_the_source_directory(packaged, values):
    archive, _, _, helm = packaged
    assert helm_template(values, chart=archive, helm=helm) == scenario_text(values, helm=helm)


def test_helm4_archives_are_reproducible(tmp_path):
    """The same sources give the same bytes, so a published digest can be rebuilt and compared."""
    digests = set()
    for attempt in ("a", "b"):
        result = run([tool("helm"), "package", CHART, "--destination", tmp_path / attempt])
        assert result.returncode == 0, result.stderr
        [archive] = (tmp_path / attempt).glob("*.tgz")
        digests.add(hashlib.sha256(archive.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_values_schema_kubernetes_shapes_are_current():
    """The io.k8s.* definitions equal what `make chart-schema` would write."""
    current = values_schema.SCHEMA.read_text()
    expected = values_schema.render(values_schema.with_kubernetes_definitions(json.loads(current)))
    assert current == expected, "values.schema.json is stale: run `make chart-schema`"


def test_readme_is_generated_and_current():
    """The README equals what `make chart-docs` would write (same target, printed instead of written)."""
    result = run(["make", "--no-print-directory", "-s", "-C", ROOT, "chart-docs", "HELM_DOCS_ARGS=--dry-run"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == (CHART / "README.md").read_text(), "chart README is stale: run `make chart-docs`"


def documented_keys() -> set:
    """Keys of the values table whose description cell is not empty (helm-docs lists undescribed keys too)."""
    table = (CHART / "README.md").read_text().split("| Key | Type | Default | Description |", 1)[1]
    keys = set()
    for row in re.findall(r"(?m)^\| (\S+) \| .* \| (.*) \|$", table):
        if row[1].strip():
            keys.add(row[0])
    return keys


def undocumented(values, documented, prefix=""):
    for key, value in values.items():
        path = f"{prefix}{key}"
        if path in documented:
            continue
        if isinstance(value, dict) and value:
            yield from undocumented(value, documented, f"{path}.")
        else:
            yield path


def test_every_value_is_documented():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = list(undocumented(values, documented_keys()))
    assert not missing, f"values without a `# --` description: {missing}"
