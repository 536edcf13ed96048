#!/usr/bin/env bash
# Attaches the CycloneDX SBOM to an image by digest as a signed in-toto attestation (cosign attest).
#
#   COSIGN_KEY=... scripts/release/attest-sbom.sh REGISTRY/REPOSITORY@sha256:DIGEST SBOM.cdx.json
#
# Anyone holding the release public key can then fetch and verify what the image was built from:
#   cosign verify-attestation --key release.pub --type cyclonedx REGISTRY/REPOSITORY@sha256:DIGEST
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
require_digest_ref "$1"
require_tool cosign jq
: "${COSIGN_KEY:?set COSIGN_KEY to the release key (gcpkms://... or a key file)}"
jq -e '.bomFormat == "CycloneDX"' "$2" >/dev/null || { echo "attest-sbom: $2 is not a CycloneDX JSON SBOM" >&2; exit 1; }
cosign attest --yes "${cosign_sign_offline[@]}" --key "$COSIGN_KEY" --type cyclonedx --predicate "$2" "$1"
echo "attest-sbom: attached $2 to $1"
