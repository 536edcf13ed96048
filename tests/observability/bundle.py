"""The observability bundle as data: rule files, dashboards and their PromQL.

Shared by the static checks and the end-to-end test so both look at exactly
the files a user installs (alerts/*.yaml, dashboards/*.json).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ALERTS_DIR = ROOT / "alerts"
DASHBOARDS_DIR = ROOT / "dashboards"
RUNBOOKS = ROOT / "docs" / "runbooks.md"

# Grafana's built-in interval variable; any valid duration parses the same way.
RATE_INTERVAL = "1m"
LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?P<selector>.*),\s*(?P<label>\w+)\s*\)\s*$", re.S)
VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class Query:
    source: str  # where the query lives, for failure messages
    expr: str


def rule_files() -> list[Path]:
    files = sorted(ALERTS_DIR.glob("*.yaml"))
    if not files:
        raise AssertionError(f"no rule files in {ALERTS_DIR}")
    return files


def rules() -> list[tuple[Path, dict]]:
    """Every rule of every alerts/*.yaml, with the file it comes from."""
    out = []
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            out.extend((path, rule) for rule in group["rules"])
    return out


def alert_rules() -> list[dict]:
    return [r for _, r in rules() if "alert" in r]


def recording_rules() -> list[dict]:
    return [r for _, r in rules() if "record" in r]


def rule_queries() -> list[Query]:
    return [Query(f"{p.name}: {r.get('alert') or r.get('record')}", r["expr"]) for p, r in rules()]


def dashboards() -> dict[Path, dict]:
    files = sorted(DASHBOARDS_DIR.glob("*.json"))
    if not files:
        raise AssertionError(f"no dashboards in {DASHBOARDS_DIR}")
    return {p: json.loads(p.read_text()) for p in files}


def panels(dashboard: dict) -> list[dict]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))  # collapsed rows hold their panels
    return [p for p in out if p.get("type") != "row"]


def variables(dashboard: dict) -> list[dict]:
    return dashboard["templating"]["list"]


def variable_query(var: dict) -> str:
    q = var.get("query")
    return q["query"] if isinstance(q, dict) else q


def split_label_values(query: str) -> tuple[str, str]:
    """label_values(selector, label) -> (selector, label)."""
    m = LABEL_VALUES.match(query)
    if not m:
        raise AssertionError(f"variable query is not label_values(selector, label): {query!r}")
    return m["selector"], m["label"]


def substitute(expr: str, values: dict[str, str]) -> str:
    """Replace Grafana variables the way Grafana does for a regex matcher."""

    def repl(m: re.Match) -> str:
        name = m[1] or m[2]
        if name == "__rate_interval":
            return RATE_INTERVAL
        if name not in values:
            raise AssertionError(f"unknown dashboard variable ${name} in {expr!r}")
        return values[name]

    return VARIABLE.sub(repl, expr)


def dashboard_queries(values: dict[str, str]) -> list[Query]:
    """Every panel target and every variable's selector, variables substituted."""
    out = []
    for path, dash in dashboards().items():
        for panel in panels(dash):
            for target in panel.get("targets", []):
                out.append(Query(f"{path.name}: {panel['title']} [{target['refId']}]", substitute(target["expr"], values)))
        for var in variables(dash):
            if var["type"] == "query":
                selector, _ = split_label_values(variable_query(var))
                out.append(Query(f"{path.name}: variable {var['name']}", substitute(selector, values)))
    return out


def extractor() -> str:
    tool = shutil.which("promql-metrics")
    if tool is None:
        raise AssertionError("promql-metrics not on PATH: run bash scripts/setup.sh (it builds .tools/bin/promql-metrics)")
    return tool


def metric_names(queries: list[Query]) -> dict[str, set[str]]:
    """metric name -> sources referencing it, parsed with Prometheus's own PromQL parser."""
    proc = subprocess.run([extractor()], input=json.dumps([q.expr for q in queries]),
                          capture_output=True, text=True, check=True)
    names: dict[str, set[str]] = {}
    for query, parsed in zip(queries, json.loads(proc.stdout), strict=True):
        assert not parsed.get("error"), f"{query.source}: {parsed['error']}\n  {query.expr}"
        for name in parsed["metrics"]:
            names.setdefault(name, set()).add(query.source)
    return names
