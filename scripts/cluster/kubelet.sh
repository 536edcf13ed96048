#!/usr/bin/env bash
# kubelet: registers the node $NODE_NAME at $NODE_IP, runs pods through containerd, serves its API on the node
# address (10250) and health on loopback. Needs root (cgroups, mounts, network namespaces).
#
#   kubelet.sh start | stop
#
# cgroup v1 with the cgroupfs driver (no systemd here); swap and cgroup v1 tolerated. kubelet sets
# kernel.panic, kernel.panic_on_oops and vm.overcommit_memory at start: network.sh recorded them and puts them
# back on teardown.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
dir=$CLUSTER_STATE/kubelet

case "${1:-}" in
  start)
    mkdir -p "$dir"
    cat >"$dir/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $CLUSTER_STATE/pki/ca.crt
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: /etc/resolv.conf
maxPods: 60
serializeImagePulls: false
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
evictionHard:
  memory.available: 200Mi
  nodefs.available: 5%
  imagefs.available: 5%
  nodefs.inodesFree: 5%
protectKernelDefaults: false
makeIPTablesUtilChains: true
shutdownGracePeriod: 0s
YAML
    start_daemon kubelet "$CLUSTER_BIN/kubelet" --config="$dir/config.yaml" \
      --kubeconfig="$CLUSTER_STATE/kubelet.kubeconfig" --root-dir="$dir/root" --cert-dir="$dir/pki" \
      --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
    wait_for 60 "kubelet /healthz" curl -fsS --max-time 2 http://127.0.0.1:10248/healthz
    wait_for 90 "node $NODE_NAME Ready" kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
    log "kubelet running, node $NODE_NAME Ready"
    ;;
  stop) stop_daemon kubelet 30 ;;
  *) die "usage: $0 start|stop" ;;
esac
