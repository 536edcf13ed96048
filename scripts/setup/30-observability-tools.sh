#!/usr/bin/env bash
# Pinned tools for the observability checks, installed into .tools/ (idempotent):
#   - grafana/dashboard-linter and cloudflare/pint, built from the Go module proxy
#   - amtool (Alertmanager's CLI) and promql-metrics (tests/observability/promql-metrics),
#     built into .tools/bin
#   - a Python venv with pytest, requests and PyYAML for the end-to-end test
# promtool and prometheus come from the Debian `prometheus` package
# (scripts/setup/00-system-packages.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
TOOLS_BIN="$ROOT/.tools/bin"
VENV="$ROOT/.tools/venv-observability"
mkdir -p "$TOOLS_BIN"

# dashboard-linter publishes no binaries, and its tagged releases carry a
# go.mod `replace` (or depend on modules the Go proxy does not serve), so this
# commit of main is the one that builds from the Go module proxy. Its checksum
# is not in the public sum database, so it is pinned here and checked before use.
LINTER_MODULE=github.com/grafana/dashboard-linter
LINTER_VERSION=v0.0.0-20241224134444-1765d94aec4a
LINTER_SUM='h1:wpyAYX8+Rqu0LIEE7zXBR/qjBH4t0yXvqlRGa1wD5rg='
LINTER_STAMP="$ROOT/.tools/dashboard-linter.version"

if ! command -v go >/dev/null 2>&1; then
  echo "observability tools: 'go' not found (needed to build dashboard-linter, pint, amtool)" >&2
  exit 1
fi

# Build a module from the Go proxy as the main module (jq comes from
# scripts/setup/00-system-packages.sh). `go install module@version`
# also asks the proxy for the module's version list, which it refuses for
# these two modules, so the checksum-verified source is copied and built.
build_go_module() {  # module version expected-sum package output
  local module="$1" version="$2" want="$3" package="$4" output="$5" info src build
  info="$(GONOSUMDB="$module" GOFLAGS=-mod=mod go mod download -json "$module@$version")"
  if [ "$(jq -r .Sum <<<"$info")" != "$want" ]; then
    echo "$module $version: checksum $(jq -r .Sum <<<"$info") does not match pinned $want" >&2
    exit 1
  fi
  src="$(jq -r .Dir <<<"$info")"
  build="$(mktemp -d)"
  cp -r "$src/." "$build/"
  chmod -R u+w "$build"
  (cd "$build" && go build -trimpath -o "$output" "$package")
  rm -rf "$build"
}

if [ -x "$TOOLS_BIN/dashboard-linter" ] && [ "$(cat "$LINTER_STAMP" 2>/dev/null)" = "$LINTER_VERSION" ]; then
  echo "dashboard-linter $LINTER_VERSION: present"
else
  echo "dashboard-linter $LINTER_VERSION: building (a few minutes the first time)"
  build_go_module "$LINTER_MODULE" "$LINTER_VERSION" "$LINTER_SUM" . "$TOOLS_BIN/dashboard-linter"
  echo "$LINTER_VERSION" >"$LINTER_STAMP"
fi

# pint lints the rule files offline (alerts/.pint.hcl).
PINT_VERSION=v0.87.0
PINT_SUM='h1:2C10PWYnYOR2LuZYx+SSAfcGnCol4HbvwF8yGGa4tRM='
PINT_STAMP="$ROOT/.tools/pint.version"
if [ -x "$TOOLS_BIN/pint" ] && [ "$(cat "$PINT_STAMP" 2>/dev/null)" = "$PINT_VERSION" ]; then
  echo "pint $PINT_VERSION: present"
else
  echo "pint $PINT_VERSION: building (a few minutes the first time)"
  build_go_module github.com/cloudflare/pint "$PINT_VERSION" "$PINT_SUM" ./cmd/pint "$TOOLS_BIN/pint"
  echo "$PINT_VERSION" >"$PINT_STAMP"
fi

# amtool checks the compose stack's Alertmanager configuration and routing.
AMTOOL_VERSION=v0.27.0
AMTOOL_STAMP="$ROOT/.tools/amtool.version"
if [ -x "$TOOLS_BIN/amtool" ] && [ "$(cat "$AMTOOL_STAMP" 2>/dev/null)" = "$AMTOOL_VERSION" ]; then
  echo "amtool $AMTOOL_VERSION: present"
else
  echo "amtool $AMTOOL_VERSION: building"
  GOBIN="$TOOLS_BIN" go install "github.com/prometheus/alertmanager/cmd/amtool@$AMTOOL_VERSION"
  echo "$AMTOOL_VERSION" >"$AMTOOL_STAMP"
fi

# promql-metrics: the tests' PromQL metric-name extractor, on Prometheus's own
# parser (module versions pinned by its go.mod/go.sum). Rebuilt when its source changes.
extractor_src="$ROOT/tests/observability/promql-metrics"
extractor_stamp="$ROOT/.tools/promql-metrics.sha256"
extractor_sum="$(cat "$extractor_src"/go.mod "$extractor_src"/go.sum "$extractor_src"/*.go | sha256sum | cut -d' ' -f1)"
if [ -x "$TOOLS_BIN/promql-metrics" ] && [ "$(cat "$extractor_stamp" 2>/dev/null)" = "$extractor_sum" ]; then
  echo "promql-metrics: present"
else
  echo "promql-metrics: building"
  (cd "$extractor_src" && GOFLAGS=-mod=readonly go build -trimpath -o "$TOOLS_BIN/promql-metrics" .)
  echo "$extractor_sum" >"$extractor_stamp"
fi

requirements="$ROOT/tests/observability/requirements.txt"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s "$requirements" "$VENV/requirements.installed"; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$VENV/requirements.installed"
fi
echo "observability venv: $("$VENV/bin/python" -m pytest --version 2>&1)"

for tool in promtool prometheus; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "observability tools: '$tool' missing; it comes from the Debian prometheus package (scripts/setup/00-system-packages.sh)" >&2
    exit 1
  fi
done
