#!/usr/bin/env bash
# Helpers shared by the release scripts (sourced, not run).

# require_digest_ref REF: REF must name an image by digest (repository@sha256:<64 hex>). Signing or
# attesting a tag would vouch for whatever the tag points to next.
require_digest_ref() {
  if ! [[ "$1" =~ ^[^@[:space:]]+@sha256:[a-f0-9]{64}$ ]]; then
    echo "$(basename "$0"): '$1' is not an image reference by digest (REPOSITORY@sha256:...)" >&2
    exit 2
  fi
}

# require_tool NAME...: every tool on PATH, or a clear error naming the setup script.
require_tool() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$(basename "$0"): '$tool' missing: run bash scripts/setup.sh" >&2; exit 1; }
  done
}

# COSIGN_OFFLINE=1 (tests, air-gapped or private registries): cosign gets the empty signing config and
# trusted root in scripts/release/offline/ (what `cosign signing-config create` and `cosign trusted-root create`
# write without services). Nothing is sent to a transparency log or timestamp authority, no Sigstore TUF
# metadata is fetched, and verification expects no log entry. Without it cosign uses the public Sigstore
# services (Rekor entry, timestamps) as usual. Used as "${cosign_sign_offline[@]}" / "${cosign_verify_offline[@]}".
offline_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/offline
# shellcheck disable=SC2034 # used by the scripts that source this file
cosign_sign_offline=()
# shellcheck disable=SC2034
cosign_verify_offline=()
if [ "${COSIGN_OFFLINE:-0}" = 1 ]; then
  # shellcheck disable=SC2034
  cosign_sign_offline=(--signing-config "$offline_dir/signing-config.json" --trusted-root "$offline_dir/trusted-root.json")
  # shellcheck disable=SC2034
  cosign_verify_offline=(--insecure-ignore-tlog --trusted-root "$offline_dir/trusted-root.json")
fi
