#!/usr/bin/env bash
# Shared settings of the local single-node cluster: versions, paths, addresses. Sourced by every
# scripts/cluster/*.sh; defines nothing that runs on its own.
#
# Layout (outside the repository, shared by every checkout of this machine):
#   $CLUSTER_CACHE/bin      Kubernetes and add-on binaries (built once per pinned version)
#   $CLUSTER_CACHE/images   OCI archives of the add-on images (pause, CoreDNS, metrics-server, test pods)
#   $CLUSTER_STATE          one running cluster: PKI, etcd data, kubeconfigs, logs, pid files
# shellcheck disable=SC2034  # the variables are used by the scripts that source this file

CACHE_ROOT=${HELLO_CACHE_DIR:-$HOME/.cache/hello-server}
CLUSTER_CACHE=$CACHE_ROOT/cluster
CLUSTER_BIN=$CLUSTER_CACHE/bin
CLUSTER_IMAGES=$CLUSTER_CACHE/images
CLUSTER_STATE=${HELLO_CLUSTER_STATE:-$CLUSTER_CACHE/state}
CLUSTER_LOGS=$CLUSTER_STATE/logs
CLUSTER_PIDS=$CLUSTER_STATE/pids
KUBECONFIG_ADMIN=$CLUSTER_STATE/admin.kubeconfig

# Pinned versions (the add-ons' are the ones checked against this Kubernetes minor).
KUBERNETES_VERSION=v1.34.4
COREDNS_VERSION=v1.12.4
METRICS_SERVER_VERSION=v0.8.0
KUBE_ROUTER_VERSION=v2.1.0

# Network: one Linux bridge is the node's address, the API server's and the pods' gateway, so nothing
# listens on the host's real interfaces. Service traffic that kube-proxy has not rewritten is routed onto
# the bridge too, never out of the machine.
BRIDGE=hello-k8s0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
NODE_NAME=hello-node
APISERVER_PORT=6443

log() { printf '%s %s\n' "[$(basename "$0" .sh)]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# need CMD...: fails naming the missing command and the setup script that installs it.
need() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is missing: run 'bash scripts/setup.sh' (scripts/setup/60-cluster.sh)"
  done
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every second until it succeeds.
wait_for() {
  local seconds=$1 what=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= seconds)); then
      log "timed out after ${seconds}s waiting for $what"
      return 1
    fi
    sleep 1
  done
}

# start_daemon NAME COMMAND...: runs COMMAND in the background (own session, log in $CLUSTER_LOGS/NAME.log),
# records its pid; a daemon already running under that name is left alone.
start_daemon() {
  local name=$1 pid_file
  shift
  pid_file=$CLUSTER_PIDS/$name.pid
  mkdir -p "$CLUSTER_PIDS" "$CLUSTER_LOGS"
  if daemon_running "$name"; then
    log "$name already running (pid $(cat "$pid_file"))"
    return 0
  fi
  setsid "$@" >>"$CLUSTER_LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  log "$name started (pid $!, log $CLUSTER_LOGS/$name.log)"
}

daemon_running() {
  local pid_file=$CLUSTER_PIDS/$1.pid
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

# stop_daemon NAME [SECONDS]: SIGTERM to the recorded process group, SIGKILL after SECONDS (default 20).
stop_daemon() {
  local name=$1 seconds=${2:-20} pid_file pid
  pid_file=$CLUSTER_PIDS/$name.pid
  [ -f "$pid_file" ] || return 0
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < seconds * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in ${seconds}s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
  log "$name stopped"
}

kubectl_admin() { "$CLUSTER_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# buildah with the project's own image store under $CACHE_ROOT/containers: the image, its base stand-ins
# and their build cache never mix with other users of buildah/podman on the machine.
CONTAINERS_ROOT=$CACHE_ROOT/containers
bah() {
  buildah --root "$CONTAINERS_ROOT/storage" --runroot "$CONTAINERS_ROOT/run" --storage-driver overlay "$@"
}

# Local names of the Dockerfile's two base images (build arguments BUILDER_IMAGE and RUNTIME_IMAGE) when no
# registry is reachable: see scripts/cluster/image-bases.sh.
dockerfile_arg() { sed -n "s/^ARG $1=//p" "$(dirname "${BASH_SOURCE[0]}")/../../Dockerfile"; }
RUST_VERSION=$(dockerfile_arg RUST_VERSION)
LOCAL_BUILDER_IMAGE=localhost/hello-server-bases/rust:$RUST_VERSION-slim-bookworm
LOCAL_RUNTIME_IMAGE=localhost/hello-server-bases/base-nossl-debian12:nonroot

# Command prefix that drops every capability (bounding set included) and sets no_new_privs, for the components
# that need none (etcd, the control plane): they keep uid 0 only to read the state directory under root's home.
WITHOUT_PRIVILEGES=(setpriv --no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all --)

# admin_curl PATH: GET https://<node>:6443/PATH as the admin (a 401/403 is a failure, unlike `curl -k`).
admin_curl() {
  local pki=$CLUSTER_STATE/pki
  curl -fsS --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://$NODE_IP:$APISERVER_PORT/$1"
}

CONTAINERD_SOCK=$CLUSTER_STATE/containerd/containerd.sock
ctr_k8s() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
# Images of the add-ons, built from scratch at setup (scripts/cluster/build-addons.sh), loaded into containerd
# under these names; pods use them with imagePullPolicy: Never.
LOCAL_IMAGE_PREFIX=localhost/hello-cluster
PAUSE_IMAGE=$LOCAL_IMAGE_PREFIX/pause:$KUBERNETES_VERSION

# Host paths some component writes to whatever its configuration says; removed by down.sh when they did not
# exist before the cluster started.
HOST_PATHS=(/run/containerd /var/lib/kubelet /var/lib/cni /var/log/pods /var/log/containers /var/run/netns /run/netns)

# image_ref NAME: the local reference of an add-on image built by build-addons.sh.
image_ref() {
  cat "$CLUSTER_IMAGES/$1.tar.ref" 2>/dev/null || die "no $1 image in $CLUSTER_IMAGES: run 'bash scripts/setup.sh'"
}

# apply: server-side apply of the manifest on stdin, as the cluster's own field manager.
apply() { kubectl_admin apply --server-side --force-conflicts --field-manager=hello-cluster -f - >/dev/null; }

# The database's namespace and Service (postgres.sh) and the release cluster-up installs (release.sh).
DB_NAMESPACE=hello-db
DB_HOST=postgres.$DB_NAMESPACE.svc.$CLUSTER_DOMAIN
RELEASE=hello
RELEASE_NAMESPACE=hello

# The chart tools (scripts/setup/20-chart-tools.sh): Helm 4 as `helm`, Helm 3 as `helm3`.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HELM=${HELM:-$REPO_ROOT/.tools/bin/helm}
# require_helm4: fails unless $HELM is Helm 4.
require_helm4() {
  [ -x "$HELM" ] || die "$HELM missing: run 'bash scripts/setup.sh' (scripts/setup/20-chart-tools.sh installs Helm 4)"
  case "$("$HELM" version --template '{{.Version}}' 2>/dev/null)" in
    v4.*) ;;
    *) die "$HELM is $("$HELM" version --template '{{.Version}}' 2>/dev/null || echo unknown), not Helm 4: run 'bash scripts/setup.sh'" ;;
  esac
}

# namespace_restricted NAME: a namespace whose pods must meet the restricted Pod Security Standard.
namespace_restricted() {
  apply <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $1
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
YAML
}

# db_secret NAMESPACE: the Secret hello-db-credentials (key `password`) the chart's existingSecret names.
db_secret() {
  kubectl_admin -n "$1" create secret generic hello-db-credentials \
    --from-file=password="$CLUSTER_STATE/db-password" --dry-run=client -o yaml | apply
}
