#!/usr/bin/env bash
# make cluster-up: a single-node Kubernetes on this machine from upstream parts, the image built from the
# Dockerfile, a PostgreSQL for the pods, and the chart installed with Helm 4. Idempotent: what already runs is
# left alone. On failure everything started is torn down again (KEEP_ON_FAILURE=1 keeps it for a look).
#
# The last two lines printed are KUBECONFIG=<path> and GREETING_URL=<url>.
#
# Components, in start order (one script each in scripts/cluster/, each with start/stop):
#   network (bridge, routes, host settings recorded) -> pki -> etcd -> apiserver -> controller-manager ->
#   scheduler -> containerd (+ images) -> kubelet -> kube-proxy -> kube-router (NetworkPolicy) -> coredns ->
#   metrics-server -> crds -> postgres -> release
# The image builds in the background meanwhile (image.sh).
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
here=$(dirname "$0")

[ "$(id -u)" -eq 0 ] || die "the cluster needs root (kubelet, containerd, bridge, iptables)"
need curl jq openssl ip iptables ipset conntrack etcd containerd runc ctr buildah setpriv runuser
for binary in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl coredns metrics-server kube-router pause; do
  [ -x "$CLUSTER_BIN/$binary" ] || die "$CLUSTER_BIN/$binary missing: run 'bash scripts/setup.sh' (scripts/setup/60-cluster.sh builds it)"
done
for image in pause coredns metrics-server toolbox; do
  [ -f "$CLUSTER_IMAGES/$image.tar" ] || die "image $image missing in $CLUSTER_IMAGES: run 'bash scripts/setup.sh'"
done
require_helm4
for address in "$NODE_IP:$APISERVER_PORT" "$NODE_IP:10250" 127.0.0.1:2379; do
  if ss -Htln "sport = :${address##*:}" | grep -q . && ! daemon_running etcd; then
    ss -Htlnp "sport = :${address##*:}" >&2
    die "port ${address##*:} is taken by another process: is another cluster running?"
  fi
done

mkdir -p "$CLUSTER_STATE" "$CLUSTER_LOGS"
# Host paths components write regardless of their configuration: remember which ones are new, down.sh removes them.
if [ ! -f "$CLUSTER_STATE/created-paths" ]; then
  for path in "${HOST_PATHS[@]}"; do [ -e "$path" ] || echo "$path"; done >"$CLUSTER_STATE/created-paths"
fi

image_pid=""
on_exit() {
  local status=$?
  [ -n "$image_pid" ] && kill "$image_pid" 2>/dev/null
  if [ "$status" -ne 0 ]; then
    log "cluster-up failed (exit $status); component logs: $CLUSTER_LOGS"
    for file in "$CLUSTER_LOGS"/*.log; do
      [ -f "$file" ] && { echo "--- $(basename "$file") (last 15 lines)" >&2; tail -n 15 "$file" >&2; }
    done
    if [ "${KEEP_ON_FAILURE:-0}" = 1 ]; then
      log "KEEP_ON_FAILURE=1: left running; 'make cluster-down' removes it"
    else
      bash "$here/down.sh" || true
    fi
  fi
}
trap on_exit EXIT

total=$SECONDS
declare -A took
step() { # step NAME COMMAND...: runs and times one component
  local name=$1 t=$SECONDS
  shift
  "$@"
  took[$name]=$((SECONDS - t))
}

# The image build is the longest step and needs no cluster: it runs alongside the bring-up.
bash "$here/image.sh" >"$CLUSTER_LOGS/image-build.log" 2>&1 &
image_pid=$!
image_start=$SECONDS

step network bash "$here/network.sh" start
step pki bash "$here/pki.sh"
step etcd bash "$here/etcd.sh" start
step apiserver bash "$here/apiserver.sh" start
step controller-manager bash "$here/controller-manager.sh" start
step scheduler bash "$here/scheduler.sh" start
step containerd bash "$here/containerd.sh" start
step images bash "$here/containerd.sh" load "$CLUSTER_IMAGES"/{pause,coredns,metrics-server,toolbox}.tar
step kubelet bash "$here/kubelet.sh" start
step kube-proxy bash "$here/kube-proxy.sh" start
step kube-router bash "$here/kube-router.sh" start
step coredns bash "$here/coredns.sh" start
step metrics-server bash "$here/metrics-server.sh" start
step crds bash "$here/crds.sh" start
step postgres bash "$here/postgres.sh" start
step postgres-service bash "$here/postgres.sh" expose
log "cluster ready after $((SECONDS - total)) s; waiting for the image build"
if ! wait "$image_pid"; then
  image_pid=""
  tail -n 40 "$CLUSTER_LOGS/image-build.log" >&2
  die "image build failed (log: $CLUSTER_LOGS/image-build.log)"
fi
image_pid=""
took[image-build]=$((SECONDS - image_start))
step image-load bash "$here/containerd.sh" load "$CLUSTER_IMAGES/hello-server.tar"
step release bash "$here/release.sh" install

timings=""
for name in network pki etcd apiserver controller-manager scheduler containerd images kubelet kube-proxy kube-router \
  coredns metrics-server crds postgres postgres-service image-build image-load release; do
  timings+="$name=${took[$name]}s "
done
log "timings: $timings"
log "cluster-up done in $((SECONDS - total)) s (image build ran alongside)"
echo "KUBECONFIG=$KUBECONFIG_ADMIN"
echo "GREETING_URL=$(bash "$here/release.sh" url)"
