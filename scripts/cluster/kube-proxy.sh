#!/usr/bin/env bash
# kube-proxy in iptables mode (no IPVS in this kernel). Services are reachable from the host and the pods;
# NodePorts only on the node address. It leaves the host's conntrack limits and route_localnet alone.
#
#   kube-proxy.sh start | stop      (stop also removes its iptables rules: kube-proxy --cleanup)
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
dir=$CLUSTER_STATE/kube-proxy

case "${1:-}" in
  start)
    need iptables conntrack
    mkdir -p "$dir"
    # kube-proxy exits when its config file changes while it runs: write it only when it differs.
    cat >"$dir/config.yaml.new" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $CLUSTER_STATE/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
oomScoreAdj: 0
iptables:
  localhostNodePorts: false
  syncPeriod: 10s
  minSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
YAML
    if cmp -s "$dir/config.yaml.new" "$dir/config.yaml"; then rm "$dir/config.yaml.new"; else mv "$dir/config.yaml.new" "$dir/config.yaml"; fi
    start_daemon kube-proxy "$CLUSTER_BIN/kube-proxy" --config="$dir/config.yaml" --v=1
    wait_for 60 "kube-proxy /healthz" curl -fsS --max-time 2 http://127.0.0.1:10256/healthz
    log "kube-proxy running"
    ;;
  stop)
    stop_daemon kube-proxy
    if [ -x "$CLUSTER_BIN/kube-proxy" ]; then "$CLUSTER_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
    ;;
  *) die "usage: $0 start|stop" ;;
esac
