#!/usr/bin/env bash
# The database the pods use: a real PostgreSQL (Debian's server) on the node, listening on the node address only,
# reached by the pods through the Service postgres.$DB_NAMESPACE (a selector-less Service with an EndpointSlice
# on the node address), like an external database a non-GKE user connects to with a password.
#
#   postgres.sh start             initdb (once), start; role/database hello with a random password
#                                 ($CLUSTER_STATE/db-password)
#   postgres.sh expose            the Service + EndpointSlice in $DB_NAMESPACE
#   postgres.sh stop [MODE]       pg_ctl stop -m MODE (fast; `immediate` for an abrupt outage); data kept
#   postgres.sh status            exit 0 when it accepts connections
#   postgres.sh destroy           stop and delete the data directory
#
# PostgreSQL refuses root: it runs as the `postgres` user, with its data under that user's home (root's home is
# not readable by it). fsync is off: a throwaway test database.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"

PG_DIR=/var/lib/postgresql/hello-server-cluster
PG_PORT=5432
password_file=$CLUSTER_STATE/db-password
pg_bin=$(find /usr/lib/postgresql -maxdepth 3 -name initdb -path '*/bin/*' 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)
[ -n "$pg_bin" ] || die "PostgreSQL server binaries not found: run 'bash scripts/setup.sh'"
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

status() { as_postgres "$pg_bin/pg_isready" -q -h "$NODE_IP" -p "$PG_PORT" -t 2; }

start() {
  mkdir -p "$CLUSTER_STATE" "$PG_DIR"
  chown postgres: "$PG_DIR"
  chmod 700 "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    as_postgres "$pg_bin/initdb" -D "$PG_DIR/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    # Only the role hello, only from the pod network (the node address included), only to its database.
    printf 'local all postgres peer\nhost hello hello %s scram-sha-256\n' "$POD_CIDR" >"$PG_DIR/data/pg_hba.conf"
    rm -f "$PG_DIR/.provisioned"
  fi
  if ! status; then
    as_postgres "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=$NODE_IP -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c max_connections=150 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
  fi
  if [ ! -f "$PG_DIR/.provisioned" ] || [ ! -s "$password_file" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$password_file")
    as_postgres psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -v password="$(cat "$password_file")" >/dev/null <<'SQL'
SELECT format('CREATE ROLE hello LOGIN PASSWORD %L', :'password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hello')
\gexec
SELECT format('ALTER ROLE hello PASSWORD %L', :'password')
\gexec
SELECT 'CREATE DATABASE hello OWNER hello' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hello')
\gexec
SQL
    touch "$PG_DIR/.provisioned"
  fi
  log "PostgreSQL ready on $NODE_IP:$PG_PORT (role/database hello, password in $password_file)"
}

expose() {
  apply <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $DB_NAMESPACE
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: $DB_NAMESPACE}
spec:
  ports: [{name: postgres, port: $PG_PORT, targetPort: $PG_PORT, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: postgres-node
  namespace: $DB_NAMESPACE
  labels:
    kubernetes.io/service-name: postgres
    endpointslice.kubernetes.io/managed-by: hello-cluster
addressType: IPv4
ports: [{name: postgres, port: $PG_PORT, protocol: TCP}]
endpoints: [{addresses: ["$NODE_IP"], conditions: {ready: true}}]
YAML
  log "Service postgres.$DB_NAMESPACE -> $NODE_IP:$PG_PORT"
}

stop() {
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w -t 30 stop >/dev/null
    log "PostgreSQL stopped (${1:-fast})"
  fi
}

case "${1:-}" in
  start) start ;;
  expose) expose ;;
  stop) stop "${2:-fast}" ;;
  status) status ;;
  destroy) stop fast; rm -rf "$PG_DIR" "$password_file" ;;
  *) die "usage: $0 start|expose|stop [fast|immediate]|status|destroy" ;;
esac
