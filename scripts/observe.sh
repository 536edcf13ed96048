#!/usr/bin/env bash
# Local observability without a cluster: the app on a throwaway PostgreSQL,
# scraped by a real Prometheus that loads the alert rules of alerts/.
#
#   bash scripts/observe.sh          (or: make observe)
#
# Ports (environment): PORT (app, 8080), METRICS_PORT (app metrics, 9090),
# PROMETHEUS_PORT (9091). Everything listens on 127.0.0.1. Ctrl-C stops it all
# and deletes the database and Prometheus data.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

export PORT="${PORT:-8080}" METRICS_PORT="${METRICS_PORT:-9090}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9091}"
for tool in prometheus cargo; do
  command -v "$tool" >/dev/null || { echo "observe: '$tool' missing: run bash scripts/setup.sh" >&2; exit 1; }
done
if [ "$PROMETHEUS_PORT" = "$PORT" ] || [ "$PROMETHEUS_PORT" = "$METRICS_PORT" ] || [ "$PORT" = "$METRICS_PORT" ]; then
  echo "observe: PORT, METRICS_PORT and PROMETHEUS_PORT must differ" >&2
  exit 2
fi

cargo build --quiet --locked --bin hello-server

work="$(mktemp -d /tmp/hello-observe.XXXXXX)"
chmod 755 "$work"  # PostgreSQL runs as the unprivileged postgres user
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/pg-temp.sh destroy "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
  echo "observe: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATABASE_URL="$(bash scripts/pg-temp.sh start "$work/pg")"
export DATABASE_URL HOST=127.0.0.1 METRICS_HOST=127.0.0.1 LOG_FORMAT="${LOG_FORMAT:-text}"
# Ctrl-C should stop at once rather than drain like a pod leaving a Service.
export SHUTDOWN_DRAIN_SECONDS="${SHUTDOWN_DRAIN_SECONDS:-0}"
"$ROOT/target/debug/hello-server" >"$work/app.log" 2>&1 &
pids+=("$!")

# Same rule files as the Helm chart installs; labels as Kubernetes discovery
# would add them, so the dashboards' variables have values.
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - $ROOT/alerts/*.yaml
scrape_configs:
  - job_name: hello-server
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
        labels: {namespace: local, pod: hello-server}
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=("$!")

wait_http() {
  local url="$1" name="$2"
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "observe: $name exited; log:" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }
    done
    sleep 0.5
  done
  echo "observe: $name did not answer at $url" >&2
  exit 1
}
wait_http "http://127.0.0.1:$PORT/readyz" "hello-server"
wait_http "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" "prometheus"

# Debian's prometheus package ships the classic web UI only (under /classic/).
cat <<EOF2
observe: ready (logs in $work)
  greeting          http://127.0.0.1:$PORT/greeting/1
  app metrics       http://127.0.0.1:$METRICS_PORT/metrics
  Prometheus        http://127.0.0.1:$PROMETHEUS_PORT/classic/graph
  alerts            http://127.0.0.1:$PROMETHEUS_PORT/classic/alerts
  targets           http://127.0.0.1:$PROMETHEUS_PORT/classic/targets
  stop the database to watch the alerts: bash scripts/pg-temp.sh stop $work/pg
Ctrl-C stops everything.
EOF2
wait -n "${pids[@]}" || true
echo "observe: a process exited; last log lines:" >&2
tail -n 20 "$work"/*.log >&2
exit 1
