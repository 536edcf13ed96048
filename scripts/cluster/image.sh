#!/usr/bin/env bash
# Builds the hello-server image from the project's Dockerfile with buildah, the way `make image` does with
# docker buildx, except for the two base images: no registry is reachable, so BUILDER_IMAGE and RUNTIME_IMAGE
# name the local stand-ins from image-bases.sh. The build steps run without network: the host's cargo registry
# (~/.cargo/registry, filled by `cargo fetch --locked` for the project and for cargo-chef's own lock file) is
# mounted into them with a cargo config that says offline. Neither mount is part of any layer.
# Intermediate layers are cached (--layers): after a source change only the last cargo build reruns.
#
#   image.sh            build, save as $CLUSTER_IMAGES/hello-server.tar (docker archive) and print the reference
#
# Environment: IMAGE_NAME (localhost/hello-server), IMAGE_TAG (<version>-<git short revision>).
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
need buildah git

bash "$(dirname "$0")/image-bases.sh"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
ref=${IMAGE_NAME:-localhost/hello-server}:${IMAGE_TAG:-$version-$revision}
registry=${CARGO_HOME:-$HOME/.cargo}/registry
mkdir -p "$registry" "$CLUSTER_IMAGES" "$CONTAINERS_ROOT"
need cargo tar

# Every crate the build steps compile, in the host's registry: the project's (Cargo.lock) and cargo-chef's,
# exactly as its published lock file pins them (what `cargo install --locked` resolves).
chef_version=$(dockerfile_arg CARGO_CHEF_VERSION)
cargo fetch --locked --quiet --manifest-path "$root/Cargo.toml"
chef_src=$(find "$registry"/src -maxdepth 2 -type d -name "cargo-chef-$chef_version" 2>/dev/null | head -n1)
if [ -z "$chef_src" ]; then
  fetch=$(mktemp -d)
  (cd "$fetch" && cargo init --quiet --name chef-fetch && cargo add --quiet "cargo-chef@=$chef_version" && cargo fetch --quiet)
  crate=$(find "$registry"/cache -name "cargo-chef-$chef_version.crate" | head -n1)
  tar -xzf "$crate" -C "$fetch"
  chef_src=$fetch/cargo-chef-$chef_version
fi
cargo fetch --locked --quiet --manifest-path "$chef_src/Cargo.toml"
[ -n "${fetch:-}" ] && rm -rf "$fetch"
offline_config=$CONTAINERS_ROOT/cargo-offline.toml
printf '# Mounted into the local image build only: crates come from the mounted registry.\n[net]\noffline = true\n' >"$offline_config"

start=$SECONDS
log "building $ref from $root/Dockerfile"
# --format docker keeps the Dockerfile's HEALTHCHECK in the image config.
bah build --quiet --layers --force-rm --pull=never --format docker --network none \
  --build-arg "BUILDER_IMAGE=$LOCAL_BUILDER_IMAGE" --build-arg "RUNTIME_IMAGE=$LOCAL_RUNTIME_IMAGE" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --build-arg "SOURCE_URL=$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)" \
  --volume "$registry:/usr/local/cargo/registry" --volume "$offline_config:/usr/local/cargo/config.toml:ro" \
  --tag "$ref" --file "$root/Dockerfile" "$root" >/dev/null
archive=$CLUSTER_IMAGES/hello-server.tar
rm -f "$archive"
bah push --quiet "$ref" "docker-archive:$archive:$ref"
echo "$ref" >"$archive.ref"
log "built $ref in $((SECONDS - start)) s ($(du -h "$archive" | cut -f1) archive)"
# Earlier tags of the image go; the untagged intermediate images stay: they are the layer cache.
for old in $(bah images --format '{{.Name}}:{{.Tag}}' | grep "^${ref%:*}:" | grep -vx "$ref" || true); do
  bah rmi "$old" >/dev/null 2>&1 || true
done
echo "$ref"
