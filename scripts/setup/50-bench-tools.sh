#!/usr/bin/env bash
# Installs the benchmark tools into .tools (idempotent, pinned):
#   .tools/venv-bench   Flask + pg8000 + gunicorn comparison stack, matplotlib, aiohttp
#   .tools/bin/oha      HTTP load generator with JSON output
# wrk and pgbench come from the Debian packages installed by 00-system-packages.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

OHA_VERSION="1.16.0"
TOOLS_DIR="$PWD/.tools"
VENV="$TOOLS_DIR/venv-bench"
REQUIREMENTS="bench/requirements.txt"

python="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "bench tools: creating $VENV"
  "$python" -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
wanted="$(cat "$REQUIREMENTS" bench/baseline/requirements.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  echo "bench tools: installing $REQUIREMENTS"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$wanted" >"$stamp"
else
  echo "bench tools: python packages present"
fi

if [ "$("$TOOLS_DIR/bin/oha" --version 2>/dev/null || true)" != "oha $OHA_VERSION" ]; then
  echo "bench tools: building oha $OHA_VERSION (one-time, a few minutes)"
  # Default features (rustls): oha 1.16 does not compile without a TLS backend.
  cargo install oha --locked --version "$OHA_VERSION" \
    --root "$TOOLS_DIR" --target-dir "$PWD/.cache/oha-build" --quiet
else
  echo "bench tools: oha $OHA_VERSION present"
fi

for tool in wrk pgbench; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/lib/postgresql/15/bin/$tool" ]; then
    echo "bench tools: $tool missing; run: bash scripts/setup/00-system-packages.sh" >&2
    exit 1
  fi
done
