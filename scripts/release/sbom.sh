#!/usr/bin/env bash
# Writes the CycloneDX SBOM (JSON) of what the hello-server binary is built from: every crate of the locked
# graph reachable over normal dependencies for TARGET, with versions, purls, licenses and hashes.
#
#   scripts/release/sbom.sh TARGET OUTPUT        e.g. x86_64-unknown-linux-gnu target/sbom/hello-server.cdx.json
#
# Test-only (dev) dependencies are not part of the binary and stay out.
set -euo pipefail
# shellcheck source=scripts/release/lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
require_tool cargo-cyclonedx jq
target=$1 output=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
# cargo-cyclonedx writes next to Cargo.toml; a private copy of the manifest keeps the tree clean.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo cyclonedx --manifest-path "$root/Cargo.toml" --format json --spec-version 1.5 --target "$target" \
  --no-build-deps --override-filename hello-server.cdx --quiet
mkdir -p "$(dirname "$output")"
mv "$root/hello-server.cdx.json" "$work/sbom.json"
jq -e '.bomFormat == "CycloneDX" and (.components | length) > 0' "$work/sbom.json" >/dev/null ||
  { echo "sbom: cargo-cyclonedx wrote no components" >&2; exit 1; }
mv "$work/sbom.json" "$output"
echo "sbom: $output ($(jq '.components | length' "$output") components, $target)"
