#!/usr/bin/env bash
# `make run`: serve hello-server on :8080. Uses DATABASE_URL when set; otherwise starts a
# throwaway PostgreSQL (scripts/pg-temp.sh) in a temporary directory. Ctrl-C stops the server
# and deletes the temporary cluster. Extra environment (PORT, RUST_LOG, ...) passes through.
set -euo pipefail
cd "$(dirname "$0")/.."

# A debug build compiles much faster than release and is plenty for local use.
cargo build --locked
server=target/debug/hello-server

pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    bash scripts/pg-temp.sh destroy "$pg_dir/pg" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  pg_dir="$(mktemp -d -t hello-server-pg.XXXXXX)"
  chmod 755 "$pg_dir" # the cluster runs as the unprivileged postgres user when we are root
  DATABASE_URL="$(bash scripts/pg-temp.sh start "$pg_dir/pg")"
  echo "run: throwaway PostgreSQL at ${DATABASE_URL#*@}, deleted on exit"
fi
export DATABASE_URL
export LOG_FORMAT="${LOG_FORMAT:-text}"
# Nothing load-balances a local run: skip the drain so Ctrl-C stops at once.
export SHUTDOWN_DRAIN_SECONDS="${SHUTDOWN_DRAIN_SECONDS:-0}"

echo "run: open http://localhost:${PORT:-8080}/greeting/1 (metrics: http://localhost:${METRICS_PORT:-9090}/metrics); Ctrl-C stops"
"$server" &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null || true' INT TERM
# The first wait returns when a signal arrives; the second waits for the server's graceful exit.
wait "$server_pid" || true
wait "$server_pid" 2>/dev/null || true
