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

# cosign_offline_flags: signing flags for a key that lives on this machine or in Cloud KMS. With
# COSIGN_OFFLINE=1 (tests, air-gapped registries) nothing is sent to a transparency log or timestamp
# authority; the release key in Cloud KMS and the registry are the only parties.
cosign_offline_flags() {
  if [ "${COSIGN_OFFLINE:-0}" = 1 ]; then
    echo "--offline"
  fi
}
