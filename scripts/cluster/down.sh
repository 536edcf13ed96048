#!/usr/bin/env bash
# make cluster-down: stops every process cluster-up started, deletes the pods while kubelet still runs (so the
# CNI plugin releases their addresses and network namespaces), removes the cluster's state, the host paths it
# created, its iptables rules, cgroups and bridge, and puts back the host sysctls it changed. Safe to run twice,
# and when nothing runs. The image store and built binaries (the cache) stay.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
[ "$(id -u)" -eq 0 ] || die "cluster-down needs root"
start=$SECONDS

if daemon_running kube-apiserver && daemon_running kubelet; then
  # Workloads first, while kubelet can still stop their sandboxes cleanly.
  for ns in $(kubectl_admin get namespaces -o jsonpath='{.items[*].metadata.name}' 2>/dev/null); do
    case "$ns" in kube-system | kube-public | kube-node-lease | default) ;; *) kubectl_admin delete namespace "$ns" --wait=false >/dev/null 2>&1 || true ;; esac
  done
  kubectl_admin delete deployments,daemonsets,statefulsets,jobs --all --all-namespaces --wait=false >/dev/null 2>&1 || true
  kubectl_admin delete pods --all --all-namespaces --grace-period=1 --timeout=60s >/dev/null 2>&1 || true
  # kubelet stops a deleted pod's sandbox (CNI DEL) right after its containers.
  wait_for 30 "pod sandboxes stopped" bash -c "! ctr --address '$CONTAINERD_SOCK' -n k8s.io tasks list -q 2>/dev/null | grep -q ." || true
fi

bash "$here/kube-router.sh" stop || true
bash "$here/kube-proxy.sh" stop || true
bash "$here/kubelet.sh" stop || true
bash "$here/containerd.sh" stop || true
bash "$here/scheduler.sh" stop || true
bash "$here/controller-manager.sh" stop || true
bash "$here/apiserver.sh" stop || true
bash "$here/etcd.sh" stop || true
bash "$here/postgres.sh" destroy || true

# Mounts left by pods and containers (volumes, overlay rootfs, network namespaces), deepest first.
mapfile -t mounts < <(awk '{print $2}' /proc/self/mounts |
  grep -E "^($CLUSTER_STATE|/run/containerd|/var/lib/kubelet|/run/netns/cni-|/var/run/netns/cni-)" | sort -r)
for mount in "${mounts[@]}"; do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done

bash "$here/network.sh" stop || log "network cleanup incomplete (see above)"

# kubelet's cgroups (cgroupfs driver): empty once every container is gone.
for hierarchy in /sys/fs/cgroup/*/; do
  [ -d "${hierarchy}kubepods" ] && find "${hierarchy}kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null
done
if [ -f "$CLUSTER_STATE/created-paths" ]; then
  while read -r path; do [ -n "$path" ] && rm -rf "$path"; done <"$CLUSTER_STATE/created-paths"
fi
rm -rf "$CLUSTER_STATE"
log "cluster down in $((SECONDS - start)) s"
