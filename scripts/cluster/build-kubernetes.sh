#!/usr/bin/env bash
# Builds the Kubernetes binaries the local node runs, from the k8s.io/kubernetes module on the Go module
# proxy, in ONE `go build` so they share one compile: kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, kubectl. Also compiles the pause container's program from the same
# module. Skipped when $CLUSTER_BIN already holds this version.
#
# The module's go.mod replaces every k8s.io/<staging> module with ./staging/src/..., which the module zip
# does not carry: each is pointed at its published k8s.io/<name>@v0.<minor>.<patch> instead (same source,
# released from the same tag). Build caches live under $CLUSTER_CACHE/build-kubernetes and are deleted afterwards
# (nothing else reuses them); pass KEEP_BUILD_CACHE=1 to keep them.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
need go gcc jq

binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
stamp=$CLUSTER_BIN/.kubernetes
want="$KUBERNETES_VERSION ${binaries[*]} pause"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "Kubernetes $KUBERNETES_VERSION binaries present in $CLUSTER_BIN"
  exit 0
fi

build=$CLUSTER_CACHE/build-kubernetes
export GOMODCACHE=$build/gomod GOCACHE=$build/gocache GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
mkdir -p "$build" "$CLUSTER_BIN"

start=$SECONDS
log "downloading k8s.io/kubernetes@$KUBERNETES_VERSION"
module_dir=$(cd "$build" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | jq -er .Dir)
src=$build/kubernetes-src
rm -rf "$src"
cp -r "$module_dir" "$src"
chmod -R u+w "$src"
rm -f "$src"/go.work "$src"/go.work.sum
staging_version=v0.${KUBERNETES_VERSION#v1.}
replaces=()
while read -r path; do
  replaces+=("-replace=$path=$path@$staging_version")
done < <(cd "$src" && go mod edit -json | jq -r '.Replace[] | select(.New.Path | startswith("./staging/")) | .Old.Path')
[ "${#replaces[@]}" -gt 20 ] || die "expected the staging replace directives in k8s.io/kubernetes' go.mod, found ${#replaces[@]}"
(cd "$src" && go mod edit "${replaces[@]}")
log "pointed ${#replaces[@]} staging modules at $staging_version"

# The version the binaries report (`kubectl version`, /version): without it the API server says
# v0.0.0-master and charts with a kubeVersion constraint refuse to install.
minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

packages=()
for binary in "${binaries[@]}"; do packages+=("./cmd/$binary"); done
# Only the modules these packages import (not the whole graph), timed apart from the compile.
(cd "$src" && go list -deps "${packages[@]}" >/dev/null)
log "modules downloaded in $((SECONDS - start)) s ($(du -sh "$GOMODCACHE" | cut -f1))"
compile=$SECONDS
(cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$CLUSTER_BIN/" "${packages[@]}")
gcc -Os -static -o "$CLUSTER_BIN/pause" "$src/build/pause/linux/pause.c"
strip "$CLUSTER_BIN/pause"
log "built ${binaries[*]} pause in $((SECONDS - compile)) s (Go build cache $(du -sh "$GOCACHE" | cut -f1))"

echo "$want" >"$stamp"
if [ "${KEEP_BUILD_CACHE:-0}" != 1 ]; then
  chmod -R u+w "$build"
  rm -rf "$build"
fi
log "Kubernetes $KUBERNETES_VERSION ready in $CLUSTER_BIN after $((SECONDS - start)) s"
