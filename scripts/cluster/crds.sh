#!/usr/bin/env bash
# The monitoring CRDs the chart's objects need, applied server-side so the API server validates every object
# against their structural schemas:
#
#   monitoring.coreos.com      ServiceMonitor, PrometheusRule from the prometheus-operator Go module, at the version
#                              the chart checks use (PROMETHEUS_OPERATOR_VERSION in scripts/setup/20-chart-tools.sh)
#   monitoring.googleapis.com  PodMonitoring, Rules (GKE Managed Prometheus; always present on Autopilot) from
#                              tests/chart/derived-crds: no registry serves the published ones
#
#   crds.sh start | stop
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

operator_version=$(sed -n 's/^PROMETHEUS_OPERATOR_VERSION=//p' "$root/scripts/setup/20-chart-tools.sh")
[ -n "$operator_version" ] || die "no PROMETHEUS_OPERATOR_VERSION in scripts/setup/20-chart-tools.sh"

files() {
  local dir
  dir=$(cd / && go mod download -json "github.com/prometheus-operator/prometheus-operator@$operator_version" | jq -er .Dir) ||
    die "cannot download github.com/prometheus-operator/prometheus-operator@$operator_version"
  echo "$dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
  echo "$dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
  echo "$root/tests/chart/derived-crds/monitoring.googleapis.com.yaml"
}

case "${1:-}" in
  start)
    need go jq
    args=()
    while read -r file; do args+=(-f "$file"); done < <(files)
    kubectl_admin apply --server-side --force-conflicts --field-manager=hello-cluster "${args[@]}" >/dev/null
    kubectl_admin wait --for=condition=Established --timeout=60s \
      crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com \
      crd/podmonitorings.monitoring.googleapis.com crd/rules.monitoring.googleapis.com >/dev/null
    log "monitoring CRDs established (prometheus-operator $operator_version, GMP PodMonitoring/Rules)"
    ;;
  stop)
    kubectl_admin delete --ignore-not-found crd servicemonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com \
      podmonitorings.monitoring.googleapis.com rules.monitoring.googleapis.com >/dev/null
    ;;
  *) die "usage: $0 start|stop" ;;
esac
