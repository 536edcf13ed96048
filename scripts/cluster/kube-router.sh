#!/usr/bin/env bash
# NetworkPolicy enforcement: kube-router in firewall-only mode (no routing, no service proxy, no CNI of its own)
# next to the bridge CNI, which alone ignores NetworkPolicy. A node agent on the host (it programs the host's
# iptables and ipsets), authenticated as system:kube-router with read-only access; health and metrics servers off,
# so it listens nowhere.
#
#   kube-router.sh start | stop      (stop also removes its iptables rules and ipsets: --cleanup-config)
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  start)
    need iptables ipset
    apply <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "hello-cluster:kube-router"}
rules:
  - apiGroups: [""]
    resources: [namespaces, pods, services, nodes, endpoints]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "hello-cluster:kube-router"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "hello-cluster:kube-router"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:kube-router"}]
YAML
    start_daemon kube-router "$CLUSTER_BIN/kube-router" --kubeconfig="$CLUSTER_STATE/kube-router.kubeconfig" \
      --hostname-override="$NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
      --enable-cni=false --enable-ipv4=true --enable-ipv6=false --health-port=0 --metrics-port=0 \
      --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range=30000-32767 \
      --iptables-sync-period=1m --v=1
    # Ready once its top-level chain is in the filter table.
    wait_for 60 "kube-router's network policy chains" bash -c "iptables -S KUBE-ROUTER-FORWARD >/dev/null 2>&1"
    daemon_running kube-router || die "kube-router exited (log: $CLUSTER_LOGS/kube-router.log)"
    log "kube-router enforcing NetworkPolicy"
    ;;
  stop)
    stop_daemon kube-router
    if [ -x "$CLUSTER_BIN/kube-router" ]; then "$CLUSTER_BIN/kube-router" --cleanup-config >/dev/null 2>&1 || true; fi
    ;;
  *) die "usage: $0 start|stop" ;;
esac
