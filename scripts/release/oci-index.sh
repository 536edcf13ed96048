#!/usr/bin/env bash
# Joins single-architecture images of one OCI layout into a multi-architecture image index under a new tag:
#
#   scripts/release/oci-index.sh LAYOUT TAG ARCH=SOURCE_TAG...      e.g. ... amd64=1.0-amd64 arm64=1.0-arm64
#
# The index lists each manifest with its platform (linux/ARCH), so a registry client (kubelet, skopeo) picks
# the one matching its node. `skopeo copy --all oci:LAYOUT:TAG docker://...` pushes index and images.
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
require_tool jq sha256sum
layout=$1 tag=$2
shift 2
[ -f "$layout/index.json" ] || { echo "oci-index: $layout is not an OCI layout" >&2; exit 1; }

manifests='[]'
for pair in "$@"; do
  arch=${pair%%=*} source_tag=${pair#*=}
  descriptor=$(jq -ce --arg ref "$source_tag" \
    '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $ref)] | if length == 1 then .[0] else empty end' \
    "$layout/index.json") || { echo "oci-index: no single image tagged $source_tag in $layout" >&2; exit 1; }
  manifests=$(jq -c --argjson d "$descriptor" --arg arch "$arch" \
    '. + [$d | del(.annotations) | .platform = {architecture: $arch, os: "linux"}]' <<<"$manifests")
done

index=$(jq -cn --argjson m "$manifests" \
  '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: $m}')
digest=$(printf '%s' "$index" | sha256sum | cut -d' ' -f1)
printf '%s' "$index" >"$layout/blobs/sha256/$digest"
size=$(printf '%s' "$index" | wc -c)
jq --arg tag "$tag" --arg digest "sha256:$digest" --argjson size "$size" \
  '.manifests = ([.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] != $tag)]
     + [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $digest, size: $size,
         annotations: {"org.opencontainers.image.ref.name": $tag}}])' \
  "$layout/index.json" >"$layout/index.json.new"
mv "$layout/index.json.new" "$layout/index.json"
echo "oci-index: $layout:$tag = sha256:$digest ($*)"
