#!/usr/bin/env bash
# Signs an image by digest with cosign and stores the signature next to it in the registry.
#
#   COSIGN_KEY=gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N \
#     scripts/release/sign.sh REGISTRY/REPOSITORY@sha256:DIGEST
#
# COSIGN_KEY is the release key: the Terraform output release_signing_key in the real flow (Cloud KMS, the
# private key never leaves it), a throwaway key file in tests (COSIGN_PASSWORD unlocks it).
# COSIGN_OFFLINE=1 signs without a transparency log (see lib.sh).
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
require_digest_ref "$1"
require_tool cosign
: "${COSIGN_KEY:?set COSIGN_KEY to the release key (gcpkms://... or a key file)}"
cosign sign --yes "${cosign_sign_offline[@]}" --key "$COSIGN_KEY" "$1"
echo "sign: signed $1"
