#!/usr/bin/env bash
# Installs what the project needs, idempotently; quick when everything is already in place.
# Each part owns one script in scripts/setup/; they run in name order.
#
#   scripts/setup.sh                 every part (`make test`, `make setup`)
#   scripts/setup.sh rust pg         only the parts named (`make run`): a name matches the script
#                                    whose file name contains it, e.g. `rust` -> 10-rust.sh
#   SETUP_PACKAGES=run               00-system-packages.sh installs only what `make run` needs
set -euo pipefail
cd "$(dirname "$0")/.."

scripts=()
if [ "$#" -eq 0 ]; then
  scripts=(scripts/setup/*.sh)
else
  for part in "$@"; do
    match=(scripts/setup/*"$part"*.sh)
    [ -e "${match[0]}" ] || { echo "setup: no part named '$part' in scripts/setup/" >&2; exit 2; }
    scripts+=("${match[@]}")
  done
fi

start=$SECONDS
for script in "${scripts[@]}"; do
  part_start=$SECONDS
  echo "==> ${script}"
  bash "${script}"
  echo "<== ${script}: $((SECONDS - part_start)) s"
done
echo "setup: done in $((SECONDS - start)) s"
