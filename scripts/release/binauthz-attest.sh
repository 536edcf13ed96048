#!/usr/bin/env bash
# Records the Binary Authorization attestation that lets GKE admit an image digest: the Cloud KMS release key
# signs the digest, and the attestation is stored under the attestor's note (Artifact Analysis).
#
#   RELEASE_ATTESTOR=projects/P/attestors/NAME \
#   RELEASE_KEY_VERSION=projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N \
#     scripts/release/binauthz-attest.sh REGION-docker.pkg.dev/P/REPO/IMAGE@sha256:DIGEST
#
# Both values are Terraform outputs (attestor, release_key_version). Needs gcloud and the releaser's
# credentials; runs in the release workflow only (no Google API is reachable from the test machines).
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
require_digest_ref "$1"
require_tool gcloud
: "${RELEASE_ATTESTOR:?set RELEASE_ATTESTOR (terraform output attestor)}"
: "${RELEASE_KEY_VERSION:?set RELEASE_KEY_VERSION (terraform output release_key_version)}"
project=$(cut -d/ -f2 <<<"$RELEASE_ATTESTOR")
gcloud beta container binauthz attestations sign-and-create \
  --project "$project" \
  --artifact-url "$1" \
  --attestor "$RELEASE_ATTESTOR" \
  --keyversion "$RELEASE_KEY_VERSION" \
  --validate
echo "binauthz-attest: $1 attested by $RELEASE_ATTESTOR"
