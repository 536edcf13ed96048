#!/usr/bin/env python3
"""Converts the Grafana dashboards (dashboards/*.json) into Cloud Monitoring dashboards.

    to_cloud_monitoring.py SOURCE_DIR OUTPUT_DIR           write OUTPUT_DIR/<name>.json for every SOURCE_DIR/<name>.json
    to_cloud_monitoring.py --check SOURCE_DIR OUTPUT_DIR   exit 1 when OUTPUT_DIR differs from a fresh conversion

The Grafana JSON stays the single source; Terraform (terraform/monitoring.tf) creates one
`google_monitoring_dashboard` per output file. Every panel query is carried over as a PromQL widget
(Managed Service for Prometheus data is queried with PromQL in Cloud Monitoring):

  - Grafana grid (24 columns) -> mosaicLayout (48 columns): x, y, width and height doubled, empty top rows removed.
  - row -> collapsibleGroup spanning the panels up to the next row; timeseries/graph -> xyChart (one LINE data set
    per target); stat -> one scorecard per target, side by side in the panel's area; text -> text.
  - $namespace, $job, $instance: their `label=~"$var"` matchers are dropped. The dashboard gets pinned filters on
    the `cluster` and `namespace` resource labels instead (a pinned filter narrows every widget whose data carries
    the label). job and instance get none: a pinned job filter would also hide the kube-state-metrics series
    (job kube-state-metrics) that the Grafana queries deliberately leave unfiltered; the Grafana variables default
    to All, which is what the converted widgets show.
  - $datasource: dropped (Cloud Monitoring queries the project's own metrics scope).
  - $__rate_interval -> RATE_INTERVAL (no adaptive rate window in Cloud Monitoring).
  - legendFormat {{label}} -> legendTemplate ${metric.labels.label} (${resource.labels.label} for resource labels).
  - Fields at their proto3 default (xPos 0, collapsed false, ...) are left out, as the API returns them.

Panel types in UNSUPPORTED have no Cloud Monitoring widget: each becomes a text tile naming the panel, and the
conversion lists it on stderr. Any other type, or a variable the converter does not know, is an error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

GRAFANA_COLUMNS = 24
COLUMNS = 48
SCALE = COLUMNS // GRAFANA_COLUMNS

# The labels Managed Service for Prometheus stores on the prometheus_target resource.
RESOURCE_LABELS = ("project_id", "location", "cluster", "namespace", "job", "instance")
# Dashboard variables whose `label=~"$var"` matchers are dropped (label key = variable name).
FILTER_VARIABLES = ("namespace", "job", "instance")
# Resource labels the converted dashboards are pinned-filtered by.
PINNED_FILTERS = ("cluster", "namespace")
RATE_INTERVAL = "5m"

SUPPORTED = ("row", "timeseries", "graph", "stat", "text")
# Grafana panel types without a Cloud Monitoring widget; they are listed, never silently dropped.
UNSUPPORTED = (
    "alertlist", "annolist", "barchart", "bargauge", "candlestick", "canvas", "dashlist", "datagrid", "flamegraph",
    "gauge", "geomap", "heatmap", "histogram", "logs", "news", "nodeGraph", "piechart", "state-timeline",
    "status-history", "table", "traces", "trend", "xychart",
)

# Grafana unit -> Cloud Monitoring unitOverride (UCUM).
UNITS = {
    "s": "s", "ms": "ms", "bytes": "By", "reqps": "1/s", "ops": "1/s", "short": "1", "none": "1",
    "percentunit": "1", "percent": "%",
}

THRESHOLD_COLORS = {"red": "RED", "dark-red": "RED", "semi-dark-red": "RED", "orange": "YELLOW",
                    "dark-orange": "YELLOW", "yellow": "YELLOW", "dark-yellow": "YELLOW"}


class ConversionError(Exception):
    """A dashboard that cannot be converted faithfully; the message names the panel."""


def split_outside_quotes(text: str, separator: str) -> list[str]:
    """Splits on `separator` outside double-quoted strings (PromQL label values may hold it)."""
    parts, current, quoted, escaped = [], [], False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


FILTER_MATCHER = re.compile(r'^\s*(\w+)\s*=~?\s*"\$\{?(\w+)\}?"\s*$')


def drop_filter_matchers(expr: str) -> str:
    """Removes `label=~"$var"` matchers of the pinned-filter variables from every selector."""
    out, i = [], 0
    while i < len(expr):
        char = expr[i]
        if char == '"':  # copy a string literal as is
            end = i + 1
            while end < len(expr) and expr[end] != '"':
                end += 2 if expr[end] == "\\" else 1
            out.append(expr[i:end + 1])
            i = end + 1
            continue
        if char == "{":
            depth_end = i + 1
            quoted = False
            while depth_end < len(expr) and (quoted or expr[depth_end] != "}"):
                if expr[depth_end] == "\\" and quoted:
                    depth_end += 1
                elif expr[depth_end] == '"':
                    quoted = not quoted
                depth_end += 1
            body = expr[i + 1:depth_end]
            kept = []
            for matcher in split_outside_quotes(body, ","):
                found = FILTER_MATCHER.match(matcher)
                if found and found.group(1) == found.group(2) and found.group(1) in FILTER_VARIABLES:
                    continue
                if matcher.strip():
                    kept.append(matcher.strip())
            if kept:
                out.append("{" + ", ".join(kept) + "}")
            i = depth_end + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


VARIABLE = re.compile(r"\$(\{)?(\w+)(?(1)\})")


def convert_query(expr: str, where: str) -> str:
    """The PromQL of a Grafana target, with the dashboard variables mapped for Cloud Monitoring."""
    query = drop_filter_matchers(expr)
    query = re.sub(r"\$\{?__rate_interval\}?", RATE_INTERVAL, query)
    left = sorted({m.group(2) for m in VARIABLE.finditer(query)})
    if left:
        raise ConversionError(f"{where}: variables {left} have no Cloud Monitoring mapping in: {expr}")
    return query.strip()


def convert_legend(legend: str | None) -> str:
    if not legend or legend == "__auto":
        return ""

    def label(match: re.Match) -> str:
        name = match.group(1)
        kind = "resource" if name in RESOURCE_LABELS else "metric"
        return "${" + kind + ".labels." + name + "}"

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", label, legend)


def unit_of(panel: dict) -> str:
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
    if unit not in UNITS:
        raise ConversionError(f"panel {panel.get('title')!r}: unit {unit!r} has no Cloud Monitoring equivalent")
    return UNITS[unit]


def queries(panel: dict, where: str) -> list[tuple[str, str]]:
    """(PromQL, legend) of every visible target of a panel; a panel without one is an error."""
    found = [(convert_query(t["expr"], where), convert_legend(t.get("legendFormat")))
             for t in panel.get("targets", []) if not t.get("hide") and t.get("expr")]
    if not found:
        raise ConversionError(f"{where}: no PromQL target to carry over")
    return found


LEGEND_LABEL = re.compile(r"\$\{(?:metric|resource)\.labels\.(\w+)\}")


def thresholds(panel: dict) -> list[dict]:
    """Grafana threshold steps coloured red/orange/yellow as scorecard thresholds."""
    steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
    result = []
    for index, step in enumerate(steps):
        color = THRESHOLD_COLORS.get(step.get("color", ""))
        if not color:
            continue
        if step.get("value") is None:  # base step: alert below the next step
            if index + 1 < len(steps):
                result.append({"value": steps[index + 1]["value"], "color": color, "direction": "BELOW"})
        else:
            result.append({"value": step["value"], "color": color, "direction": "ABOVE"})
    return result


def xy_chart(panel: dict, where: str) -> dict:
    unit = unit_of(panel)
    data_sets = []
    for query, legend in queries(panel, where):
        data_set = {"timeSeriesQuery": {"prometheusQuery": query, "unitOverride": unit}, "plotType": "LINE",
                    "targetAxis": "Y1"}
        if legend:
            data_set["legendTemplate"] = legend
        data_sets.append(data_set)
    return {"title": panel["title"], "xyChart": {"dataSets": data_sets, "chartOptions": {"mode": "COLOR"},
                                                  "yAxis": {"scale": "LINEAR"}}}


def scorecards(panel: dict, where: str) -> list[tuple[str, dict]]:
    """One scorecard per target: (legend, widget)."""
    unit = unit_of(panel)
    spark = panel.get("options", {}).get("graphMode", "area") != "none"
    cards = []
    targets = queries(panel, where)
    for query, legend in targets:
        title = panel["title"]
        suffix = LEGEND_LABEL.sub("", legend).strip()
        if len(targets) > 1 and suffix:
            title = f"{title}: {suffix}"
        card = {"timeSeriesQuery": {"prometheusQuery": query, "unitOverride": unit}}
        if spark:
            card["sparkChartView"] = {"sparkChartType": "SPARK_LINE"}
        limits = thresholds(panel)
        if limits:
            card["thresholds"] = limits
        cards.append((legend, {"title": title, "scorecard": card}))
    return cards


def text(panel: dict) -> dict:
    content = panel.get("options", {}).get("content", "")
    return {"title": panel.get("title", ""), "text": {"content": content, "format": "MARKDOWN"}}


def placeholder(panel: dict) -> dict:
    return {"title": panel.get("title", ""), "text": {
        "content": f"Grafana panel of type `{panel['type']}` has no Cloud Monitoring widget; "
                   "see this panel in Grafana (dashboards/ in the hello-server repository).",
        "format": "MARKDOWN"}}


def flatten(panels: list[dict]) -> list[tuple[dict, bool]]:
    """Panels in layout order with, for rows, whether they are collapsed (their panels nested)."""
    result = []
    for panel in panels:
        result.append((panel, panel.get("collapsed", False)))
        if panel["type"] == "row" and panel.get("collapsed"):
            result.extend((child, False) for child in panel.get("panels", []))
    return result


def convert(dashboard: dict, name: str) -> tuple[dict, list[str]]:
    """The Cloud Monitoring dashboard and the list of panels left unconverted (`name: title (type)`)."""
    panels = flatten(dashboard.get("panels", []))
    if not panels:
        raise ConversionError(f"{name}: no panels")
    top = min(p["gridPos"]["y"] for p, _ in panels)
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p, _ in panels)
    rows = sorted((p["gridPos"]["y"], p, collapsed) for p, collapsed in panels if p["type"] == "row")
    tiles, skipped = [], []

    def tile(x: int, y: int, w: int, h: int, widget: dict) -> None:
        tiles.append({"xPos": x * SCALE, "yPos": (y - top) * SCALE, "width": w * SCALE, "height": h * SCALE,
                      "widget": widget})

    for panel, _ in panels:
        kind = panel.get("type")
        where = f"{name}: panel {panel.get('title')!r}"
        grid = panel["gridPos"]
        if kind == "row":
            following = [y for y, _, _ in rows if y > grid["y"]]
            end = following[0] if following else bottom
            tiles.append({"xPos": 0, "yPos": (grid["y"] - top) * SCALE, "width": COLUMNS,
                          "height": (end - grid["y"]) * SCALE,
                          "widget": {"title": panel["title"],
                                     "collapsibleGroup": {"collapsed": bool(panel.get("collapsed"))}}})
        elif kind in ("timeseries", "graph"):
            tile(grid["x"], grid["y"], grid["w"], grid["h"], xy_chart(panel, where))
        elif kind == "stat":
            cards = scorecards(panel, where)
            width, extra = divmod(grid["w"] * SCALE, len(cards))
            if width < 2:
                raise ConversionError(f"{where}: too narrow for {len(cards)} scorecards")
            x = grid["x"] * SCALE
            for index, (_, widget) in enumerate(cards):
                w = width + (extra if index == len(cards) - 1 else 0)
                tiles.append({"xPos": x, "yPos": (grid["y"] - top) * SCALE, "width": w,
                              "height": grid["h"] * SCALE, "widget": widget})
                x += w
        elif kind == "text":
            tile(grid["x"], grid["y"], grid["w"], grid["h"], text(panel))
        elif kind in UNSUPPORTED:
            tile(grid["x"], grid["y"], grid["w"], grid["h"], placeholder(panel))
            skipped.append(f"{name}: {panel.get('title')!r} ({kind})")
        else:
            raise ConversionError(f"{where}: panel type {kind!r} is neither converted nor listed as unsupported")

    variables = [v for v in dashboard.get("templating", {}).get("list", [])]
    for variable in variables:
        if variable["type"] != "datasource" and variable["name"] not in FILTER_VARIABLES:
            raise ConversionError(f"{name}: variable ${variable['name']} has no Cloud Monitoring mapping")
    filters = [{"labelKey": label, "filterType": "RESOURCE_LABEL"} for label in PINNED_FILTERS]

    result = {
        "displayName": dashboard["title"],
        "mosaicLayout": {"columns": COLUMNS, "tiles": tiles},
        "dashboardFilters": filters,
        "labels": {tag.lower(): "" for tag in dashboard.get("tags", []) if re.fullmatch(r"[a-z0-9_-]{1,63}", tag.lower())},
    }
    return result, skipped


def without_defaults(value, in_map: bool = False):
    """Drops proto3 default scalars (0, false, "") and empty lists, which the Dashboards API leaves out of what it
    returns: kept, they would make Terraform plan an update on every run (its diff compares the returned JSON with
    this one). Map entries (dashboard labels) are kept as they are."""
    if isinstance(value, dict):
        return {k: without_defaults(v, k == "labels") for k, v in value.items()
                if in_map or not (v in (0, "", []) and not isinstance(v, bool) or v is False)}
    if isinstance(value, list):
        return [without_defaults(v) for v in value]
    return value


def render(source: Path) -> dict[str, tuple[str, list[str]]]:
    """File name -> (JSON text, unconverted panels) for every dashboard in `source`."""
    files = sorted(source.glob("*.json"))
    if not files:
        raise ConversionError(f"no *.json dashboards in {source}")
    rendered = {}
    for path in files:
        dashboard, skipped = convert(json.loads(path.read_text()), path.stem)
        dashboard = without_defaults(dashboard)
        rendered[path.name] = (json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n", skipped)
    return rendered


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare OUTPUT_DIR with a fresh conversion")
    parser.add_argument("source", type=Path, help="directory of Grafana dashboards (*.json)")
    parser.add_argument("output", type=Path, help="directory of Cloud Monitoring dashboards")
    args = parser.parse_args(argv)
    try:
        rendered = render(args.source)
    except (ConversionError, KeyError, json.JSONDecodeError) as error:
        print(f"to_cloud_monitoring: {error}", file=sys.stderr)
        return 2
    for name, (_, skipped) in rendered.items():
        for panel in skipped:
            print(f"to_cloud_monitoring: not converted (no Cloud Monitoring widget): {panel}", file=sys.stderr)
    stale = sorted({p.name for p in args.output.glob("*.json")} - set(rendered)) if args.output.is_dir() else []
    if args.check:
        differing = [n for n, (text_, _) in rendered.items()
                     if not (args.output / n).is_file() or (args.output / n).read_text() != text_]
        if differing or stale:
            print(f"to_cloud_monitoring: {args.output} is out of date ({', '.join(differing + stale)}): "
                  f"run python3 scripts/dashboards/to_cloud_monitoring.py {args.source} {args.output}", file=sys.stderr)
            return 1
        return 0
    args.output.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.output / name).unlink()
    for name, (text_, _) in rendered.items():
        (args.output / name).write_text(text_)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
