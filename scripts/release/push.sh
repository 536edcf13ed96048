#!/usr/bin/env bash
# Pushes an image (single-arch or multi-arch index) to a registry and prints the pushed digest.
#
#   scripts/release/push.sh SOURCE REGISTRY/REPOSITORY:TAG DIGEST_FILE
#
# SOURCE is any skopeo transport reference: oci:LAYOUT:TAG (scripts/release/oci-image.sh),
# containers-storage:IMAGE (buildah, podman), docker-archive:FILE, docker://... The digest written to
# DIGEST_FILE is the one every later step (sign, attest, release values) refers to. REGISTRY_TLS_VERIFY=false
# for a plain-HTTP registry on loopback (tests).
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
require_tool skopeo
source_ref=$1 destination=$2 digest_file=$3
case "$destination" in
  *@*) echo "push: push to a tag, not a digest: $destination" >&2; exit 2 ;;
  *:*) ;;
  *) echo "push: $destination has no tag" >&2; exit 2 ;;
esac
mkdir -p "$(dirname "$digest_file")"
skopeo copy --quiet --all --preserve-digests --dest-tls-verify="${REGISTRY_TLS_VERIFY:-true}" \
  --digestfile "$digest_file" "$source_ref" "docker://$destination"
grep -Eqx 'sha256:[a-f0-9]{64}' "$digest_file" || { echo "push: no digest recorded in $digest_file" >&2; exit 1; }
echo "push: ${destination%:*}@$(cat "$digest_file")"
