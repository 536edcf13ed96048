#!/usr/bin/env bash
# kube-controller-manager: the built-in controllers (Deployments, ReplicaSets, HPA, PDB/disruption,
# EndpointSlices, namespaces, garbage collection, service account tokens, CSR signing) with per-controller
# service accounts. Allocates the node's pod CIDR (the bridge's /24). Serves on loopback only. No capabilities.
#
#   controller-manager.sh start | stop
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
pki=$CLUSTER_STATE/pki
kubeconfig=$CLUSTER_STATE/controller-manager.kubeconfig

case "${1:-}" in
  start)
    start_daemon kube-controller-manager "${WITHOUT_PRIVILEGES[@]}" "$CLUSTER_BIN/kube-controller-manager" \
      --kubeconfig="$kubeconfig" --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
      --bind-address=127.0.0.1 --leader-elect=false \
      --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
      --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
      --use-service-account-credentials=true \
      --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size="${POD_CIDR#*/}" \
      --service-cluster-ip-range="$SERVICE_CIDR" \
      --horizontal-pod-autoscaler-sync-period=5s \
      --profiling=false --v=1
    wait_for 60 "kube-controller-manager /healthz" curl -fsSk --max-time 2 https://127.0.0.1:10257/healthz
    log "kube-controller-manager running"
    ;;
  stop) stop_daemon kube-controller-manager ;;
  *) die "usage: $0 start|stop" ;;
esac
