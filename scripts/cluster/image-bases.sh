#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's base images, for builds where no container registry is reachable.
# Both come from Debian's own packages (the same release the real bases use) and the project's Rust toolchain:
#
#   builder  rust:<RUST_VERSION>-slim-bookworm     debootstrap bookworm (minbase) + gcc, libc6-dev,
#                                                   ca-certificates; the host's rustc/cargo/rust-std at
#                                                   exactly RUST_VERSION in /usr/local/rustup, on PATH through
#                                                   /usr/local/cargo/bin, RUSTUP_HOME/CARGO_HOME as upstream
#   runtime  distroless/base-nossl-debian12:nonroot glibc (libc6), base-files, netbase, tzdata, the CA bundle,
#                                                   /etc/passwd with root, nobody and nonroot (65532), /tmp and
#                                                   /home/nonroot; no shell, no package manager; USER 65532
#
# Built once into the project's image store (scripts/cluster/lib.sh: bah), rebuilt when BASES_RECIPE or the
# Rust version changes. Crates are not baked in: the build mounts the host's cargo registry (scripts/cluster/image.sh).
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
need buildah debootstrap apt-get dpkg-deb rustc
[ "$(id -u)" -eq 0 ] || die "building the base images needs root (debootstrap, buildah's store)"

# Bump when what goes into the stand-ins changes: they are rebuilt when this or the Rust version differs.
BASES_RECIPE=1
recipe="$BASES_RECIPE-$RUST_VERSION"
have_recipe() {
  [ "$(bah inspect --type image --format '{{index .ImageAnnotations "org.hello-server.recipe"}}' "$1" 2>/dev/null)" = "$recipe" ]
}
if have_recipe "$LOCAL_BUILDER_IMAGE" && have_recipe "$LOCAL_RUNTIME_IMAGE"; then
  log "base stand-ins present ($LOCAL_BUILDER_IMAGE, $LOCAL_RUNTIME_IMAGE)"
  exit 0
fi

host_rust=$(rustc --version | awk '{print $2}')
[ "$host_rust" = "$RUST_VERSION" ] ||
  die "the host's rustc is $host_rust but the Dockerfile pins RUST_VERSION=$RUST_VERSION: the stand-in must carry the pinned toolchain"
toolchain=$(rustc --print sysroot)
triple=$(rustc -vV | sed -n 's/^host: //p')
mirror=$(sed -n 's/^URIs: *\(.*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}

work=$CACHE_ROOT/image-bases
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# --- builder -------------------------------------------------------------------------------------------------
log "debootstrap bookworm (minbase + gcc, libc6-dev, ca-certificates) from $mirror"
rootfs=$work/builder
debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates bookworm "$rootfs" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# The toolchain as rustup's minimal profile lays it out: rustc, cargo, rustdoc and the host's standard library.
dest=$rootfs/usr/local/rustup/toolchains/$RUST_VERSION-$triple
mkdir -p "$dest/bin" "$dest/lib/rustlib" "$rootfs/usr/local/cargo/bin"
cp -a "$toolchain"/bin/{rustc,cargo,rustdoc} "$dest/bin/"
cp -a "$toolchain"/lib/*.so* "$dest/lib/"
cp -a "$toolchain/lib/rustlib/$triple" "$toolchain"/lib/rustlib/{etc,components,rust-installer-version} "$dest/lib/rustlib/"
for tool in rustc cargo rustdoc; do ln -s "../../rustup/toolchains/$RUST_VERSION-$triple/bin/$tool" "$rootfs/usr/local/cargo/bin/$tool"; done

builder=$(bah from --quiet scratch)
mnt=$(bah mount "$builder")
cp -a "$rootfs/." "$mnt/"
bah umount "$builder" >/dev/null
bah config \
  --env RUSTUP_HOME=/usr/local/rustup --env CARGO_HOME=/usr/local/cargo --env RUST_VERSION="$RUST_VERSION" \
  --env PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd /bin/bash --annotation "org.hello-server.recipe=$recipe" \
  --label "org.opencontainers.image.description=local stand-in for rust:$RUST_VERSION-slim-bookworm" "$builder"
bah commit --quiet --rm "$builder" "$LOCAL_BUILDER_IMAGE" >/dev/null
log "builder stand-in $LOCAL_BUILDER_IMAGE ($(du -sh "$rootfs" | cut -f1)) after $((SECONDS - start)) s"

# --- runtime -------------------------------------------------------------------------------------------------
debs=$work/debs
runtime=$work/runtime
mkdir -p "$debs" "$runtime"
(cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root libc6 base-files netbase tzdata >/dev/null) ||
  die "apt-get download failed (run 'apt-get update' first)"
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$runtime"; done
# Documentation, locales and maintainer scripts' helpers are not part of distroless either.
rm -rf "${runtime:?}"/usr/share/{doc,man,info,lintian,locale} "${runtime:?}"/{usr/bin,usr/sbin,sbin,bin}
mkdir -p "$runtime"/etc/ssl/certs "$runtime"/tmp "$runtime"/home/nonroot "$runtime"/root
cp "$rootfs/etc/ssl/certs/ca-certificates.crt" "$runtime/etc/ssl/certs/"
cat >"$runtime/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat >"$runtime/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
GROUP
echo 'hosts: files dns' >"$runtime/etc/nsswitch.conf"
chmod 1777 "$runtime/tmp"
chmod 700 "$runtime/root" "$runtime/home/nonroot"
chown 65532:65532 "$runtime/home/nonroot"

base=$(bah from --quiet scratch)
mnt=$(bah mount "$base")
cp -a "$runtime/." "$mnt/"
bah umount "$base" >/dev/null
bah config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --user 65532:65532 --workingdir /home/nonroot --annotation "org.hello-server.recipe=$recipe" \
  --label "org.opencontainers.image.description=local stand-in for gcr.io/distroless/base-nossl-debian12:nonroot" "$base"
bah commit --quiet --rm "$base" "$LOCAL_RUNTIME_IMAGE" >/dev/null
log "runtime stand-in $LOCAL_RUNTIME_IMAGE ($(du -sh "$runtime" | cut -f1)) after $((SECONDS - start)) s"
