#!/usr/bin/env bash
# The cluster's add-ons and their images, built once per pinned version:
#
#   coredns          github.com/coredns/coredns, built with only the plugins the Corefile uses (coredns.sh)
#                    instead of all ~60 (no cloud SDKs: a fraction of the compile)        image .../coredns
#   metrics-server   sigs.k8s.io/metrics-server/cmd/metrics-server     (go install)  image .../metrics-server
#   kube-router      github.com/cloudnativelabs/kube-router/v2         (go install)  host process (firewall only)
#   pause            compiled by build-kubernetes.sh                                image .../pause
#   toolbox          Debian's busybox-static, for test pods and ephemeral debug containers, uid 65532
#
# Images are single-binary, built from scratch with buildah, non-root, and saved as docker archives in
# $CLUSTER_IMAGES for containerd.sh load. Build caches are deleted afterwards (KEEP_BUILD_CACHE=1 keeps them).
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
need go buildah
[ -x "$CLUSTER_BIN/pause" ] || die "no pause binary: run scripts/cluster/build-kubernetes.sh first"
[ -x /bin/busybox ] || die "/bin/busybox missing: install Debian's busybox-static (scripts/setup/00-system-packages.sh)"

build=$CLUSTER_CACHE/build-addons
export GOMODCACHE=$build/gomod GOCACHE=$build/gocache GOFLAGS=-trimpath CGO_ENABLED=0 GOBIN=$CLUSTER_BIN
mkdir -p "$CLUSTER_BIN" "$CLUSTER_IMAGES"
built=0

# go_tool BINARY PACKAGE VERSION: go install unless $CLUSTER_BIN/BINARY is already that module version.
go_tool() {
  local bin=$1 pkg=$2 version=$3 start=$SECONDS
  if [ -x "$CLUSTER_BIN/$bin" ] && [ "$(go version -m "$CLUSTER_BIN/$bin" | awk '$1 == "mod" { print $3; exit }' || true)" = "$version" ]; then
    log "$bin $version present"
    return
  fi
  log "building $bin $version"
  go install -ldflags "-s -w" "$pkg@$version"
  built=1
  log "$bin built in $((SECONDS - start)) s"
}
# CoreDNS's documented way to pick plugins: a main package that imports them and sets the directive order
# (plugin.cfg's order, restricted to what the cluster's Corefile uses).
coredns_plugins=(reload ready health errors loadbalance cache kubernetes loop)
have_coredns=$(go version -m "$CLUSTER_BIN/coredns" 2>/dev/null | awk '$1 == "dep" && $2 == "github.com/coredns/coredns" { print $3 }' || true)
if [ "$have_coredns" = "$COREDNS_VERSION" ]; then
  log "coredns $COREDNS_VERSION present"
else
  log "building coredns $COREDNS_VERSION (plugins: ${coredns_plugins[*]})"
  t=$SECONDS
  src=$build/coredns-main
  rm -rf "$src"
  mkdir -p "$src"
  {
    echo 'package main'
    echo 'import ('
    echo '	"github.com/coredns/coredns/core/dnsserver"'
    echo '	"github.com/coredns/coredns/coremain"'
    for plugin in "${coredns_plugins[@]}"; do echo "	_ \"github.com/coredns/coredns/plugin/$plugin\""; done
    echo ')'
    printf 'func init() { dnsserver.Directives = []string{%s} }\n' "$(printf '"%s", ' "${coredns_plugins[@]}")"
    echo 'func main() { coremain.Run() }'
  } >"$src/main.go"
  (
    cd "$src"
    go mod init hello-server/coredns >/dev/null 2>&1
    go mod edit -require="github.com/coredns/coredns@$COREDNS_VERSION"
    GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$CLUSTER_BIN/coredns" .
  )
  built=1
  log "coredns built in $((SECONDS - t)) s"
fi
go_tool metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server "$METRICS_SERVER_VERSION"

# image NAME TAG USER ROOTFS_DIR ENTRYPOINT_JSON: a from-scratch image of ROOTFS_DIR saved as
# $CLUSTER_IMAGES/NAME.tar (skipped when that archive already holds NAME:TAG).
image() {
  local name=$1 tag=$2 user=$3 rootfs=$4 entrypoint=$5 ref archive container mnt
  ref=$LOCAL_IMAGE_PREFIX/$name:$tag
  archive=$CLUSTER_IMAGES/$name.tar
  if [ -f "$archive" ] && [ "$(cat "$archive.ref" 2>/dev/null)" = "$ref" ]; then
    log "image $ref present"
    return
  fi
  container=$(bah from --quiet scratch)
  mnt=$(bah mount "$container")
  cp -a "$rootfs/." "$mnt/"
  bah umount "$container" >/dev/null
  bah config --user "$user" --entrypoint "$entrypoint" --cmd '' "$container"
  bah commit --quiet --rm "$container" "$ref" >/dev/null
  rm -f "$archive"
  bah push --quiet "$ref" "docker-archive:$archive:$ref"
  echo "$ref" >"$archive.ref"
  log "image $ref -> $archive ($(du -h "$archive" | cut -f1))"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
single() { # single NAME BINARY: rootfs with /NAME and a writable /tmp
  mkdir -p "$work/$1/tmp"
  chmod 1777 "$work/$1/tmp"
  cp "$2" "$work/$1/$1"
}
single pause "$CLUSTER_BIN/pause"
image pause "$KUBERNETES_VERSION" 65535:65535 "$work/pause" '["/pause"]'
single coredns "$CLUSTER_BIN/coredns"
image coredns "$COREDNS_VERSION" 65532:65532 "$work/coredns" '["/coredns"]'
single metrics-server "$CLUSTER_BIN/metrics-server"
image metrics-server "$METRICS_SERVER_VERSION" 65532:65532 "$work/metrics-server" '["/metrics-server"]'

toolbox=$work/toolbox
mkdir -p "$toolbox/bin" "$toolbox/tmp" "$toolbox/etc"
chmod 1777 "$toolbox/tmp"
cp /bin/busybox "$toolbox/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$toolbox/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/tmp:/bin/sh\n' >"$toolbox/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$toolbox/etc/group"
busybox_version=$(dpkg-query -W -f='${Version}' busybox-static | tr ':+~' '---')
image toolbox "$busybox_version" 65532:65532 "$toolbox" '["/bin/sh"]'

# kube-router runs on the host (no image); built last, after the images the pods need.
go_tool kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router "$KUBE_ROUTER_VERSION"
if [ "$built" = 1 ] && [ "${KEEP_BUILD_CACHE:-0}" != 1 ]; then
  chmod -R u+w "$build"
  rm -rf "$build"
fi
