#!/usr/bin/env bash
# Rust toolchain for the service: checks cargo/rustc (>= the crate's rust-version), makes sure
# rustfmt and clippy are present, and fetches every locked crate so builds work offline.
set -euo pipefail
cd "$(dirname "$0")/../.."

min_rust="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"
install_hint="curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy"

if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
  echo "rust: cargo/rustc not found; install Rust >= ${min_rust} with:" >&2
  echo "  ${install_hint}" >&2
  exit 1
fi

have="$(rustc --version | awk '{print $2}')"
if [ "$(printf '%s\n%s\n' "$min_rust" "$have" | sort -V | head -n1)" != "$min_rust" ]; then
  echo "rust: rustc ${have} is older than ${min_rust}; run: rustup update stable" >&2
  exit 1
fi

for component in rustfmt clippy; do
  subcommand="${component/rustfmt/fmt}"
  if ! cargo "$subcommand" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      echo "rust: adding ${component}"
      rustup component add "$component"
    else
      echo "rust: cargo ${subcommand} missing and no rustup to add it; install ${component} for rustc ${have}" >&2
      exit 1
    fi
  fi
done

cargo fetch --locked
echo "rust: rustc ${have}, rustfmt and clippy present, crates fetched"
