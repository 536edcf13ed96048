#!/usr/bin/env bash
# kube-scheduler, serving on loopback only. No capabilities.
#
#   scheduler.sh start | stop
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
kubeconfig=$CLUSTER_STATE/scheduler.kubeconfig

case "${1:-}" in
  start)
    start_daemon kube-scheduler "${WITHOUT_PRIVILEGES[@]}" "$CLUSTER_BIN/kube-scheduler" \
      --kubeconfig="$kubeconfig" --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
      --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
    wait_for 60 "kube-scheduler /healthz" curl -fsSk --max-time 2 https://127.0.0.1:10259/healthz
    log "kube-scheduler running"
    ;;
  stop) stop_daemon kube-scheduler ;;
  *) die "usage: $0 start|stop" ;;
esac
