#!/usr/bin/env bash
# Installs everything `make test`, `make run` and `make bench` need, idempotently.
# Each part owns one script in scripts/setup/; they run in name order.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in scripts/setup/*.sh; do
  echo "==> ${script}"
  bash "${script}"
done
