#!/usr/bin/env bash
# Installs the Debian packages every part of the project needs (idempotent).
# PostgreSQL server binaries and pgbench for tests and benchmarks, Prometheus
# (promtool) for the observability checks, Chromium for the browser test, wrk
# for load, shellcheck for our own scripts. The CNCF distribution registry
# (docker-registry) for the chart's and the release's OCI tests, skopeo and umoci
# for OCI images, and the arm64 cross toolchain with qemu-user-static to run what
# it builds.
set -euo pipefail

packages=(
  postgresql postgresql-contrib
  prometheus
  chromium
  wrk
  shellcheck
  jq
  curl
  python3-venv
  # OCI registry and image tools (chart publishing, release flow) and the arm64 cross toolchain.
  docker-registry
  skopeo
  umoci
  qemu-user-static
  gcc-aarch64-linux-gnu
  libc6-dev-arm64-cross
  # The local Kubernetes node (scripts/cluster/): runtime, network, etcd, and the image build without a registry.
  containerd
  runc
  containernetworking-plugins
  iptables
  ipset
  conntrack
  etcd-server
  buildah
  debootstrap
  busybox-static
)

# What `make run` alone needs (scripts/setup.sh with SETUP_PACKAGES=run): the throwaway PostgreSQL.
run_packages=(postgresql postgresql-contrib curl)
if [ "${SETUP_PACKAGES:-all}" = run ]; then
  packages=("${run_packages[@]}")
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# Node.js (chart tests validate GKE CRDs with an npm package) ships with the
# machine image; fall back to Debian's packages only where it is absent.
if [ "${SETUP_PACKAGES:-all}" != run ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian prometheus package starts a daemon on :9090, which is the app's
# metrics port. The project runs its own Prometheus instances on other ports.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true; fi
# Likewise etcd and containerd: the local cluster starts its own, on its own ports and sockets.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd containerd >/dev/null 2>&1 || true; fi
pkill -x prometheus >/dev/null 2>&1 || true
# docker-registry's package starts a registry on :5000; the chart test runs its own on a free loopback port.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
if [ -x /etc/init.d/docker-registry ]; then /etc/init.d/docker-registry stop >/dev/null 2>&1 || true; fi
pkill -f prometheus-node-exporter >/dev/null 2>&1 || true
