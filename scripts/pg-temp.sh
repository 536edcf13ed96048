#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for local runs, tests and benchmarks.
#
#   scripts/pg-temp.sh start DIR [PORT]   initdb into DIR (if new), start on 127.0.0.1:PORT
#                                         (a free port when omitted), print DATABASE_URL
#   scripts/pg-temp.sh stop DIR           fast shutdown
#   scripts/pg-temp.sh restart DIR        fast stop, then start on the same port
#   scripts/pg-temp.sh url DIR            print DATABASE_URL of a started cluster
#   scripts/pg-temp.sh pid DIR            print the postmaster pid (for SIGSTOP/SIGCONT faults)
#   scripts/pg-temp.sh destroy DIR        stop and delete DIR
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# unprivileged `postgres` user. The app connects as role `hello` (password
# `hello`, scram over TCP) to database `hello`: a local-only credential for a
# cluster that listens on loopback and is deleted afterwards.
set -euo pipefail

PG_BIN="${PG_BIN:-}"
if [ -z "$PG_BIN" ]; then
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    PG_BIN="$(pg_config --bindir)"
  else
    PG_BIN="$(find /usr/lib/postgresql -maxdepth 3 -name initdb -path '*/bin/*' 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)"
  fi
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "pg-temp: PostgreSQL server binaries not found; run: bash scripts/setup.sh" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url_of() {
  local dir="$1"
  echo "postgres://hello:hello@127.0.0.1:$(cat "$dir/port")/hello"
}

start() {
  local dir="$1" port="${2:-}"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if [ -z "$port" ]; then
    if [ -f "$dir/port" ]; then port="$(cat "$dir/port")"; else port="$(free_port)"; fi
  fi
  echo "$port" >"$dir/port"
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=${PG_MAX_CONNECTIONS:-200} -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  if [ ! -f "$dir/.provisioned" ]; then
    as_owner "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE hello LOGIN PASSWORD 'hello' CREATEDB" \
      -c "CREATE DATABASE hello OWNER hello" >/dev/null
    touch "$dir/.provisioned"
  fi
  url_of "$dir"
}

stop() {
  local dir="$1"
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
  fi
}

cmd="${1:-}"; dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
case "$cmd" in
  start) start "$dir" "${3:-}" ;;
  stop) stop "$dir" ;;
  restart) stop "$dir"; start "$dir" >/dev/null ;;
  url) url_of "$dir" ;;
  pid) head -n1 "$dir/data/postmaster.pid" ;;
  destroy) stop "$dir"; rm -rf "$dir" ;;
  *) echo "pg-temp: unknown command '$cmd' (start|stop|restart|url|pid|destroy)" >&2; exit 2 ;;
esac
