#!/usr/bin/env bash
# etcd (Debian's etcd-server) for the local cluster: one member, client and peer URLs on loopback only, data in
# $CLUSTER_STATE/etcd, no capabilities.
#
#   etcd.sh start | stop
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  start)
    need etcd curl
    mkdir -p "$CLUSTER_STATE/etcd"
    chmod 700 "$CLUSTER_STATE/etcd"
    start_daemon etcd "${WITHOUT_PRIVILEGES[@]}" etcd --name hello --data-dir "$CLUSTER_STATE/etcd" \
      --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
      --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
      --initial-cluster hello=http://127.0.0.1:2380 --initial-cluster-state new \
      --quota-backend-bytes 1073741824 --snapshot-count 10000 --log-level warn
    wait_for 60 "etcd health" curl -fsS --max-time 2 http://127.0.0.1:2379/health
    log "etcd ready on 127.0.0.1:2379"
    ;;
  stop) stop_daemon etcd ;;
  *) die "usage: $0 start|stop" ;;
esac
