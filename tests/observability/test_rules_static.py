"""Static properties of alerts/*.yaml that promtool does not check."""

import re

import pytest
import yaml

from bundle import ALERTS_DIR, RUNBOOKS, alert_rules, recording_rules, rule_files, rules

SEVERITIES = {"page", "ticket"}
RUNBOOK_PREFIX = "https://github.com/hello-server/hello-server/blob/main/docs/runbooks.md#"
# The Helm chart substitutes these exact tokens from values (slo.*): each must
# appear once, in its slo:objective:ratio rule, and nowhere else.
OBJECTIVE_TOKENS = {"vector(0.999)": "slo-availability.yaml", "vector(0.99)": "slo-latency.yaml"}
LATENCY_TOKEN = 'le="0.1"'


def runbook_anchors() -> set[str]:
    """GitHub-style anchors of the runbook's headings."""
    anchors = set()
    for line in RUNBOOKS.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-"))
    return anchors


def runbook_section(anchor: str) -> str:
    text = RUNBOOKS.read_text()
    sections = re.split(r"^## ", text, flags=re.M)
    for s in sections:
        if s.split("\n", 1)[0].strip().lower() == anchor:
            return s
    raise AssertionError(f"no runbook section for {anchor}")


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_alert_has_severity_summary_description_and_runbook(rule):
    assert rule["labels"]["severity"] in SEVERITIES
    ann = rule["annotations"]
    assert ann["summary"].strip()
    assert "$value" in ann["description"], "description must show the value that fired"
    url = ann["runbook_url"]
    assert url.startswith(RUNBOOK_PREFIX), url
    anchor = url.removeprefix(RUNBOOK_PREFIX)
    assert anchor == rule["alert"].lower()
    assert anchor in runbook_anchors(), f"docs/runbooks.md has no heading for #{anchor}"
    section = runbook_section(anchor)
    for part in ("**Meaning**", "**Impact**", "**Diagnosis**", "**Mitigation**"):
        assert part in section, f"runbook #{anchor} lacks {part}"


def test_alert_names_are_unique():
    names = [r["alert"] for r in alert_rules()]
    assert len(names) == len(set(names))


def test_every_runbook_section_belongs_to_an_alert():
    alerts = {r["alert"].lower() for r in alert_rules()}
    sections = {a for a in runbook_anchors() if a.startswith("helloserver")}
    assert sections == alerts


def test_objective_tokens_appear_exactly_once_in_their_objective_rule():
    texts = {p.name: p.read_text() for p in rule_files()}
    for token, home in OBJECTIVE_TOKENS.items():
        counts = {name: len(re.findall(re.escape(token), text)) for name, text in texts.items()}
        assert counts[home] == 1, f"{token} must appear once in {home}: {counts}"
        assert sum(counts.values()) == 1, f"{token} appears outside {home}: {counts}"
    objectives = [r for r in recording_rules() if r["record"] == "slo:objective:ratio"]
    assert sorted(r["expr"].strip() for r in objectives) == sorted(OBJECTIVE_TOKENS)


def test_latency_threshold_is_only_the_le_token():
    for path in rule_files():
        les = re.findall(r'le\s*=~?\s*"[^"]*"', path.read_text())
        if path.name == "slo-latency.yaml":
            assert les and set(les) == {LATENCY_TOKEN}, les
        else:
            assert not les, f"{path.name} has bucket matchers {les}"


def test_burn_rate_alerts_follow_the_workbook_table():
    """Page: 14.4x over 1h and 5m, or 6x over 6h and 30m; ticket: 3x 1d/2h, 1x 3d/6h."""
    expected = {"page": {("14.4", "1h", "5m"), ("6", "6h", "30m")},
                "ticket": {("3", "1d", "2h"), ("1", "3d", "6h")}}
    burn = [r for r in alert_rules() if "sloth_slo" in r["labels"]]
    assert {(r["labels"]["sloth_slo"], r["labels"]["severity"]) for r in burn} == {
        (slo, sev) for slo in ("availability", "latency") for sev in ("page", "ticket")}
    for rule in burn:
        found = re.findall(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\}\s*>\s*on \(sloth_service, sloth_slo\) group_left \(\)\s*"
                           r"\(([\d.]+) \* slo:error_budget:ratio", rule["expr"])
        pairs = {}
        for window, factor in found:
            pairs.setdefault(factor, []).append(window)
        got = {(f, *ws) for f, ws in pairs.items()}
        assert got == expected[rule["labels"]["severity"]], rule["alert"]


def test_sli_windows_are_complete_and_consistently_named():
    windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    for slo in ("availability", "latency"):
        recorded = [r["record"] for r in recording_rules() if r["labels"]["sloth_slo"] == slo]
        assert recorded == [f"slo:sli_error:ratio_rate{w}" for w in windows] + [
            "slo:objective:ratio", "slo:error_budget:ratio", "slo:current_burn_rate:ratio",
            "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio"]
    for _, rule in rules():
        if "record" in rule:
            assert re.fullmatch(r"slo:[a-z_]+:ratio(_rate\w+)?", rule["record"]), rule["record"]


def test_kubernetes_alerts_live_in_their_own_file_and_group():
    text = yaml.safe_load((ALERTS_DIR / "kubernetes.yaml").read_text())
    assert [g["name"] for g in text["groups"]] == ["hello-server-kubernetes"]
    for path in rule_files():
        if path.name != "kubernetes.yaml":
            assert "kube_" not in path.read_text(), f"{path.name} depends on kube-state-metrics"


def test_every_alert_file_has_unit_tests():
    tested = {p.name.replace(".test.yaml", ".yaml") for p in (ALERTS_DIR / "tests").glob("*.test.yaml")}
    assert tested == {p.name for p in rule_files()}
    alerts_tested = set()
    for p in (ALERTS_DIR / "tests").glob("*.test.yaml"):
        for test in yaml.safe_load(p.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                alerts_tested.add((case["alertname"], bool(case["exp_alerts"])))
    for rule in alert_rules():
        assert (rule["alert"], True) in alerts_tested, f"{rule['alert']}: no firing case"
        assert (rule["alert"], False) in alerts_tested, f"{rule['alert']}: no must-not-fire case"
