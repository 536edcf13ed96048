#!/usr/bin/env bash
# Builds a minimal OCI image around one hello-server binary with umoci (no container engine, no base image):
# the binary, the shared libraries it loads (glibc, libgcc_s) from the matching Debian sysroot, and an
# image config like the Dockerfile's final stage (uid 65532, ports 8080/9090, OCI labels).
#
#   scripts/release/oci-image.sh BINARY LAYOUT TAG [ARCH]
#
# ARCH is amd64 (default) or arm64. LAYOUT is an OCI image layout directory (created when missing); the image
# is tagged TAG in it, so `skopeo copy oci:LAYOUT:TAG docker://...` pushes it.
#
# The release pipeline's source of images is pluggable (RELEASE_IMAGE_SOURCE in mk/release.mk): this script is
# the source on machines without a container engine; the Dockerfile build replaces it where one exists.
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
binary=$1 layout=$2 tag=$3 arch=${4:-amd64}
for tool in umoci readelf; do
  command -v "$tool" >/dev/null 2>&1 || { echo "oci-image: '$tool' missing: run bash scripts/setup.sh" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "oci-image: $binary is not an executable" >&2; exit 1; }

case "$arch" in
  amd64) triplet=x86_64-linux-gnu machine="Advanced Micro Devices X86-64" sysroot="" ;;
  arm64) triplet=aarch64-linux-gnu machine="AArch64" sysroot=/usr/aarch64-linux-gnu ;;
  *) echo "oci-image: unsupported architecture '$arch' (amd64, arm64)" >&2; exit 2 ;;
esac
if ! readelf -h "$binary" | grep -q "Machine:[[:space:]]*$machine"; then
  echo "oci-image: $binary is not a $arch executable ($(readelf -h "$binary" | sed -n 's/.*Machine:[[:space:]]*//p'))" >&2
  exit 1
fi

# find_library NAME: the library in the architecture's Debian location (host for amd64, cross sysroot for arm64).
find_library() {
  local dir
  for dir in "$sysroot/lib/$triplet" "$sysroot/usr/lib/$triplet" "$sysroot/lib" "$sysroot/lib64"; do
    if [ -e "$dir/$1" ]; then
      readlink -f "$dir/$1"
      return
    fi
  done
  echo "oci-image: $1 (needed by $binary) not found for $arch" >&2
  exit 1
}

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
install -D -m 0755 "$binary" "$rootfs/usr/local/bin/hello-server"
# The dynamic loader at the path the binary names, the libraries where that loader looks for them.
interpreter=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interpreter" ] || { echo "oci-image: $binary names no program interpreter" >&2; exit 1; }
install -D -m 0755 "$(find_library "$(basename "$interpreter")")" "$rootfs$interpreter"
for library in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  install -D -m 0644 "$(find_library "$library")" "$rootfs/lib/$triplet/$library"
done

[ -f "$layout/index.json" ] || umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci insert --image "$layout:$tag" "$rootfs" /
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
umoci config --image "$layout:$tag" \
  --os linux --architecture "$arch" \
  --config.entrypoint /usr/local/bin/hello-server \
  --config.user 65532:65532 \
  --config.exposedports 8080/tcp --config.exposedports 9090/tcp \
  --config.label org.opencontainers.image.title=hello-server \
  --config.label org.opencontainers.image.licenses=Apache-2.0 \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
umoci gc --layout "$layout"
echo "oci-image: $layout:$tag ($arch) built from $binary"
