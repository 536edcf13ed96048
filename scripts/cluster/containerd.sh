#!/usr/bin/env bash
# containerd (Debian) as the node's container runtime, with runc and the bridge CNI plugin on $BRIDGE.
# Its own socket, root and state under $CLUSTER_STATE; no registry: images are imported from archives.
#
#   containerd.sh start             write the config (cgroupfs, restrict_oom_score_adj) and start containerd
#   containerd.sh load ARCHIVE...   import image archives (docker-archive / OCI) into the CRI namespace
#   containerd.sh stop              kill and delete every task and container left, then stop containerd
#
# restrict_oom_score_adj: root on this kind of VM may lack CAP_SYS_RESOURCE, and runc then fails to lower a
# container's OOM score ("can't get final child's PID from pipe").
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
dir=$CLUSTER_STATE/containerd
cni_dir=$CLUSTER_STATE/cni

write_config() {
  mkdir -p "$dir" "$cni_dir/net.d" "$cni_dir/ipam"
  cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
oom_score = 0
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CONTAINERD_SOCK"

[debug]
  level = "warn"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$cni_dir/net.d"
TOML
  # Pods on the node's bridge, addresses from the node's /24 (the first ten stay for the host). Their only route
  # besides the bridge is the Service range via the node: no default route, no masquerading, so pods talk to each
  # other, the node and Services only, never to anything beyond this machine.
  cat >"$cni_dir/net.d/10-hello-pods.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "hello-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_CIDR", "rangeStart": "${NODE_IP%.*}.10", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "$SERVICE_CIDR"}],
        "dataDir": "$cni_dir/ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
}

stop_tasks() {
  [ -S "$CONTAINERD_SOCK" ] || return 0
  local id
  for id in $(ctr_k8s tasks list -q 2>/dev/null); do
    ctr_k8s tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr_k8s tasks list -q 2>/dev/null); do
    for _ in 1 2 3 4 5; do ctr_k8s tasks delete --force "$id" >/dev/null 2>&1 && break; sleep 1; done
  done
  for id in $(ctr_k8s containers list -q 2>/dev/null); do
    ctr_k8s containers delete "$id" >/dev/null 2>&1 || true
  done
}

case "${1:-}" in
  start)
    need containerd ctr runc /usr/lib/cni/bridge
    write_config
    start_daemon containerd containerd --config "$dir/config.toml"
    wait_for 30 "containerd socket" ctr --address "$CONTAINERD_SOCK" version
    log "containerd ready ($CONTAINERD_SOCK)"
    ;;
  load)
    shift
    for archive in "$@"; do
      [ -f "$archive" ] || die "no image archive $archive (run 'bash scripts/setup.sh')"
      ctr_k8s images import --no-unpack=false "$archive" >/dev/null
      log "imported $(basename "$archive")"
    done
    ;;
  stop)
    stop_tasks
    stop_daemon containerd
    ;;
  *) die "usage: $0 start|load ARCHIVE...|stop" ;;
esac
