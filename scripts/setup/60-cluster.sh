#!/usr/bin/env bash
# Installs what the local Kubernetes cluster needs (make cluster-up / test-cluster; docs/cluster.md), once per
# pinned version, cached in ~/.cache/hello-server (outside the repository, shared by every checkout):
#
#   Kubernetes binaries    scripts/cluster/build-kubernetes.sh: k8s.io/kubernetes from the Go module proxy, one
#                          go build of apiserver, controller-manager, scheduler, kubelet, kube-proxy, kubectl
#   add-ons and images     scripts/cluster/build-addons.sh: CoreDNS, metrics-server, kube-router (Go module
#                          proxy), the pause and toolbox images
#   image base stand-ins   scripts/cluster/image-bases.sh: the Dockerfile's builder and runtime bases from Debian
#                          packages and the project's Rust toolchain (no registry reachable)
#   .tools/venv-cluster    pytest and PyYAML for tests/cluster (PyPI)
#
# etcd, containerd, runc, the CNI plugins, buildah and debootstrap are Debian packages (00-system-packages.sh).
# Go build caches are deleted after each build: nothing else reuses them.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

PYTEST_VERSION=9.2.0
PYYAML_VERSION=6.0.4

for cmd in go gcc python3 buildah debootstrap containerd etcd; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "60-cluster: '$cmd' is required (run scripts/setup/00-system-packages.sh)" >&2; exit 1; }
done

start=$SECONDS
bash scripts/cluster/build-kubernetes.sh
bash scripts/cluster/build-addons.sh
bash scripts/cluster/image-bases.sh

venv=$root/.tools/venv-cluster
pins="pytest==$PYTEST_VERSION PyYAML==$PYYAML_VERSION"
if [ -x "$venv/bin/pytest" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$pins" ]; then
  echo "cluster tools: venv-cluster present"
else
  echo "cluster tools: creating $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one argument per pin
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pins
  echo "$pins" >"$venv/.pins"
fi
echo "cluster tools: ready in $((SECONDS - start)) s"
