#!/usr/bin/env bash
# Verifies that an image carries a signature and an SBOM attestation by the release key.
#
#   COSIGN_PUBLIC_KEY=release.pub scripts/release/verify.sh REGISTRY/REPOSITORY@sha256:DIGEST
#
# COSIGN_PUBLIC_KEY may also be the gcpkms:// reference of the release key. With COSIGN_OFFLINE=1 no
# transparency log entry is expected (the signatures were made offline, see lib.sh). Exits non-zero when either is
# missing or does not verify.
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
require_tool cosign
: "${COSIGN_PUBLIC_KEY:?set COSIGN_PUBLIC_KEY to the release public key (file or gcpkms://...)}"
cosign verify "${cosign_verify_offline[@]}" --key "$COSIGN_PUBLIC_KEY" "$1" >/dev/null
echo "verify: signature of $1 verifies"
cosign verify-attestation "${cosign_verify_offline[@]}" --key "$COSIGN_PUBLIC_KEY" --type cyclonedx "$1" >/dev/null
echo "verify: SBOM attestation of $1 verifies"
