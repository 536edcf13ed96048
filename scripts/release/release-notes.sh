#!/usr/bin/env bash
# Writes the release notes (Markdown) for a tag: the image by digest, how to verify its signature and SBOM,
# how to deploy it, and the changes since the previous tag.
#
#   scripts/release/release-notes.sh TAG IMAGE_REPOSITORY DIGEST SBOM [CHART_REF] > notes.md
set -euo pipefail
if [ $# -lt 4 ] || [ $# -gt 5 ]; then sed -n '2,6p' "$0" >&2; exit 2; fi
tag=$1 repository=$2 digest=$3 sbom=$4 chart=${5:-}
[[ "$digest" =~ ^sha256:[a-f0-9]{64}$ ]] || { echo "release-notes: '$digest' is not a sha256 digest" >&2; exit 2; }
components=$(jq -er '.components | length' "$sbom") || { echo "release-notes: cannot read $sbom" >&2; exit 1; }

chart_version=$(sed -n 's/^version: *//p' "$(dirname "$0")/../../chart/hello-server/Chart.yaml")
if [ -n "$chart" ]; then chart_ref="$chart/hello-server --version $chart_version"; else chart_ref=chart/hello-server; fi

# Changes since the previous tag reachable from TAG (all history for the first release).
if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then head=$tag; else head=HEAD; fi
previous=$(git describe --tags --abbrev=0 "$head^" 2>/dev/null || true)
range=${previous:+$previous..}$head

cat <<MD
# hello-server $tag

## Image

\`$repository@$digest\` (linux/amd64, linux/arm64)

Signed with the release key (Cloud KMS) and attested for Binary Authorization: clusters configured by
\`terraform/\` admit this digest and nothing unsigned. The CycloneDX SBOM ($components components) is attached
to the image as a signed attestation and to this release.

Verify:

\`\`\`sh
cosign verify --key release.pub $repository@$digest
cosign verify-attestation --key release.pub --type cyclonedx $repository@$digest
\`\`\`

(\`cosign public-key --key "\$(terraform -chdir=terraform output -raw release_signing_key)" > release.pub\`)

## Deploy

\`\`\`sh
scripts/release/release-values.sh $repository $digest > values-release.yaml
helm upgrade --install hello $chart_ref -n hello -f values-gke.yaml -f values-release.yaml
\`\`\`

## Changes${previous:+ since $previous}

MD
git log --no-merges --format='- %s (%h)' "$range"
