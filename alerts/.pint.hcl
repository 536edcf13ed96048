# pint (Prometheus rule linter) settings for alerts/*.yaml, run offline by
# `make test-observability` with --fail-on=warning. Two checks are off, each
# for a reason that holds for every rule:
checks {
  disabled = [
    # Targets are matched by job =~ ".*hello-server.*" on purpose: the job is the
    # PodMonitoring or Service name, which contains the chart name after a
    # release-dependent prefix (hello-hello-server, hello-hello-server-metrics).
    "promql/regexp",
    # Both SLO groups record the same Sloth names (slo:error_budget:ratio, ...)
    # told apart by the sloth_slo label; pint matches by name only and reports
    # each SLO's rules as depending on the other SLO's group.
    "rule/dependency",
  ]
}
