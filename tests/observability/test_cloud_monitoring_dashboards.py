"""The Cloud Monitoring dashboards Terraform creates (terraform/dashboards/*.json) are the Grafana dashboards
converted by scripts/dashboards/to_cloud_monitoring.py: up to date, every panel carried over or listed as
unsupported, every query valid PromQL over the same metrics, and a layout Cloud Monitoring accepts."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bundle import DASHBOARDS_DIR, ROOT, Query, dashboards, metric_names

SCRIPT = ROOT / "scripts" / "dashboards" / "to_cloud_monitoring.py"
OUTPUT_DIR = ROOT / "terraform" / "dashboards"
DOCS = ROOT / "docs" / "observability.md"

spec = importlib.util.spec_from_file_location("to_cloud_monitoring", SCRIPT)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)

WIDGETS = {"xyChart", "scorecard", "text", "collapsibleGroup"}
TILE_KEYS = {"xPos", "yPos", "width", "height", "widget"}
UCUM = set(converter.UNITS.values())


def run_converter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def converted() -> dict[str, dict]:
    files = sorted(OUTPUT_DIR.glob("*.json"))
    assert files, f"no converted dashboards in {OUTPUT_DIR}"
    return {p.stem: json.loads(p.read_text()) for p in files}


def grafana_panels(dashboard: dict) -> list[dict]:
    return [p for p, _ in converter.flatten(dashboard["panels"])]


def widgets(dashboard: dict) -> list[dict]:
    return [t["widget"] for t in dashboard["mosaicLayout"]["tiles"]]


def matching(cloud: dict, title: str) -> list[dict]:
    """The widgets a panel became: its own title, or `title: legend` for the scorecards of a multi-target stat."""
    return [w for w in widgets(cloud) if w["title"] == title or w["title"].startswith(title + ": ")]


def widget_queries(widget: dict) -> list[str]:
    if "xyChart" in widget:
        return [d["timeSeriesQuery"]["prometheusQuery"] for d in widget["xyChart"]["dataSets"]]
    if "scorecard" in widget:
        return [widget["scorecard"]["timeSeriesQuery"]["prometheusQuery"]]
    return []


def test_checked_in_dashboards_are_the_conversion_of_the_grafana_ones():
    result = run_converter("--check", str(DASHBOARDS_DIR), str(OUTPUT_DIR))
    assert result.returncode == 0, result.stderr
    assert {p.stem for p in OUTPUT_DIR.glob("*.json")} == {p.stem for p in DASHBOARDS_DIR.glob("*.json")}


def test_check_mode_notices_a_stale_output(tmp_path):
    out = tmp_path / "out"
    assert run_converter(str(DASHBOARDS_DIR), str(out)).returncode == 0
    first = sorted(out.glob("*.json"))[0]
    first.write_text(first.read_text().replace("hello-server", "hello-world", 1))
    (out / "removed-dashboard.json").write_text("{}\n")
    result = run_converter("--check", str(DASHBOARDS_DIR), str(out))
    assert result.returncode == 1
    assert first.name in result.stderr and "removed-dashboard.json" in result.stderr


def test_every_panel_is_converted_or_listed_as_unsupported():
    listed = set(converter.UNSUPPORTED)
    for path, grafana in dashboards().items():
        cloud = converted()[path.stem]
        titles = [w["title"] for w in widgets(cloud)]
        for panel in grafana_panels(grafana):
            kind = panel["type"]
            assert kind in converter.SUPPORTED or kind in listed, f"{path.name}: {panel['title']!r} type {kind!r}"
            found = matching(cloud, panel["title"])
            assert found, f"{path.name}: panel {panel['title']!r} missing from {titles}"
            if kind in listed:
                assert all("text" in w for w in found), f"{panel['title']!r} must be a placeholder"
                continue
            carried = [q for w in found for q in widget_queries(w)]
            expected = [converter.convert_query(t["expr"], panel["title"])
                        for t in panel.get("targets", []) if not t.get("hide")]
            assert carried == expected, f"{path.name}: {panel['title']!r}"


def test_queries_are_promql_over_the_same_metrics_as_grafana():
    """Prometheus's own parser reads every converted query; each panel keeps its metric names."""
    for path, grafana in dashboards().items():
        cloud = converted()[path.stem]
        for panel in grafana_panels(grafana):
            if panel["type"] not in ("timeseries", "graph", "stat"):
                continue
            source = [Query(f"{path.name}: {panel['title']} (Grafana)",
                            converter.VARIABLE.sub(lambda m: "1m" if m.group(2) == "__rate_interval" else "x", t["expr"]))
                      for t in panel["targets"]]
            target = [Query(f"{path.name}: {panel['title']} (Cloud Monitoring)", q)
                      for w in matching(cloud, panel["title"]) for q in widget_queries(w)]
            assert target, panel["title"]
            assert set(metric_names(source)) == set(metric_names(target)), panel["title"]


def test_no_grafana_variable_is_left_in_a_query():
    for name, cloud in converted().items():
        for widget in widgets(cloud):
            for query in widget_queries(widget):
                assert "$" not in query, f"{name}: {widget['title']}: {query}"
                assert "[5m]" in query or "rate(" not in query, f"{name}: rate window not mapped in {query}"


def test_layout_is_a_valid_48_column_mosaic():
    for name, cloud in converted().items():
        layout = cloud["mosaicLayout"]
        assert set(cloud) <= {"displayName", "mosaicLayout", "dashboardFilters", "labels"}, name
        assert cloud["displayName"].startswith("hello-server / ")
        assert layout["columns"] == 48
        groups, charts = [], []
        for tile in layout["tiles"]:
            assert {"width", "height", "widget"} <= set(tile) <= TILE_KEYS, f"{name}: {tile}"
            tile.setdefault("xPos", 0)  # left out at their default, as the API does
            tile.setdefault("yPos", 0)
            assert tile["xPos"] >= 0 and tile["yPos"] >= 0 and tile["width"] > 0 and tile["height"] > 0, tile
            assert tile["xPos"] + tile["width"] <= 48, f"{name}: {tile['widget']['title']} overflows 48 columns"
            kinds = set(tile["widget"]) - {"title"}
            assert len(kinds) == 1 and kinds <= WIDGETS, f"{name}: {tile['widget']}"
            (groups if "collapsibleGroup" in tile["widget"] else charts).append(tile)
        assert min(t["yPos"] for t in layout["tiles"]) == 0, f"{name}: empty space on top"
        for a_index, a in enumerate(charts):
            for b in charts[a_index + 1:]:
                apart = (a["xPos"] + a["width"] <= b["xPos"] or b["xPos"] + b["width"] <= a["xPos"]
                         or a["yPos"] + a["height"] <= b["yPos"] or b["yPos"] + b["height"] <= a["yPos"])
                assert apart, f"{name}: {a['widget']['title']!r} overlaps {b['widget']['title']!r}"
        for group in groups:
            assert group["xPos"] == 0 and group["width"] == 48
        for chart in charts:
            inside = [g for g in groups if g["yPos"] < chart["yPos"]
                      and chart["yPos"] + chart["height"] <= g["yPos"] + g["height"]]
            assert len(inside) == (1 if groups else 0), f"{name}: {chart['widget']['title']!r} in {len(inside)} groups"


def test_widgets_use_prometheus_queries_with_cloud_monitoring_units():
    for name, cloud in converted().items():
        for widget in widgets(cloud):
            if "xyChart" in widget:
                for data_set in widget["xyChart"]["dataSets"]:
                    assert set(data_set) <= {"timeSeriesQuery", "plotType", "targetAxis", "legendTemplate"}
                    assert data_set["plotType"] == "LINE"
                    assert set(data_set["timeSeriesQuery"]) == {"prometheusQuery", "unitOverride"}
                    assert data_set["timeSeriesQuery"]["unitOverride"] in UCUM
                    for label in re.findall(r"\$\{([^}]*)\}", data_set.get("legendTemplate", "")):
                        assert re.fullmatch(r"(metric|resource)\.labels\.\w+", label), label
            if "scorecard" in widget:
                card = widget["scorecard"]
                assert set(card) <= {"timeSeriesQuery", "sparkChartView", "thresholds"}
                assert card["timeSeriesQuery"]["unitOverride"] in UCUM
                for limit in card.get("thresholds", []):
                    assert limit["color"] in {"RED", "YELLOW"} and limit["direction"] in {"ABOVE", "BELOW"}
        assert cloud["dashboardFilters"] == [{"labelKey": "cluster", "filterType": "RESOURCE_LABEL"},
                                             {"labelKey": "namespace", "filterType": "RESOURCE_LABEL"}]


def test_no_field_is_at_its_proto3_default():
    """The API leaves such fields out of what it returns; Terraform would then plan an update on every run."""
    def walk(value, path):
        if isinstance(value, dict):
            for key, child in value.items():
                if path.endswith("labels"):
                    continue
                assert child is not False and child != [] and (child != 0 or child is True) and child != "", \
                    f"{path}.{key} = {child!r}"
                walk(child, f"{path}.{key}")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, f"{path}[{index}]")

    for name, cloud in converted().items():
        walk(cloud, name)


def test_stat_thresholds_and_multi_target_stats_are_kept():
    overview = converted()["hello-server-overview"]
    by_title = {w["title"]: w for w in widgets(overview)}
    ready = by_title["Ready replicas"]["scorecard"]
    assert ready["thresholds"] == [{"value": 1, "color": "RED", "direction": "BELOW"}]
    assert "Availability over 30 days" in by_title and "Availability over 30 days: objective" in by_title


def write_dashboard(directory: Path, panels: list[dict], variables: list[dict] | None = None) -> None:
    directory.mkdir()
    (directory / "probe.json").write_text(json.dumps({
        "title": "probe", "tags": [], "templating": {"list": variables or []}, "panels": panels}))


def panel(kind: str, expr: str = "up", title: str = "p", y: int = 0) -> dict:
    return {"type": kind, "title": title, "gridPos": {"x": 0, "y": y, "w": 24, "h": 8},
            "targets": [{"expr": expr, "refId": "A"}]}


def test_an_unsupported_panel_becomes_a_listed_placeholder(tmp_path):
    write_dashboard(tmp_path / "src", [panel("heatmap", title="Latency heatmap"), panel("timeseries", y=8)])
    result = run_converter(str(tmp_path / "src"), str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "not converted (no Cloud Monitoring widget): probe: 'Latency heatmap' (heatmap)" in result.stderr
    out = json.loads((tmp_path / "out" / "probe.json").read_text())
    placeholder = out["mosaicLayout"]["tiles"][0]["widget"]
    assert placeholder["title"] == "Latency heatmap" and "heatmap" in placeholder["text"]["content"]


@pytest.mark.parametrize(("panels", "variables", "message"), [
    ([panel("my-plugin-panel")], None, "panel type 'my-plugin-panel' is neither converted nor listed"),
    ([panel("timeseries", 'up{pod=~"$pod"}')], None, "variables ['pod'] have no Cloud Monitoring mapping"),
    ([panel("timeseries")], [{"name": "pod", "type": "query"}], "variable $pod has no Cloud Monitoring mapping"),
    ([{**panel("timeseries"), "targets": []}], None, "no PromQL target to carry over"),
])
def test_what_cannot_be_converted_faithfully_is_an_error(tmp_path, panels, variables, message):
    write_dashboard(tmp_path / "src", panels, variables)
    result = run_converter(str(tmp_path / "src"), str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written when a dashboard cannot be converted"


def test_matchers_inside_quoted_values_survive():
    expr = 'sum(rate(x{namespace=~"$namespace", route=~"/a\\\\{id\\\\},b", job=~"$job"}[$__rate_interval]))'
    assert converter.convert_query(expr, "t") == 'sum(rate(x{route=~"/a\\\\{id\\\\},b"}[5m]))'
    assert converter.convert_query('x{job=~"$job"} / y{instance=~"${instance}"}', "t") == "x / y"


def test_docs_list_the_unsupported_panel_types():
    text = DOCS.read_text()
    section = text[text.index("Panel types without a Cloud Monitoring widget"):]
    for kind in converter.UNSUPPORTED:
        assert f"`{kind}`" in section, f"docs/observability.md does not list {kind}"
