#!/usr/bin/env bash
# Installs the Helm chart checks' tools at pinned versions into .tools/ (git-ignored) and builds the
# JSON schemas kubeconform validates against into ~/.cache/hello-server/schemas (outside the repo).
# Idempotent: every step is skipped when the pinned version is already in place.
#
#   helm (Helm 4), helm3 (Helm 3)  go install (Go module proxy); the tests run with both majors
#   kubeconform, helm-docs         go install (Go module proxy)
#   cosign                         go install (Go module proxy): signs and verifies the chart pushed to an OCI
#                                  registry (make chart-publish; the publishing test)
#   cloud-sql-proxy                go install, the version the chart deploys (cloudSqlProxy.image.tag), so the
#                                  tests can check the sidecar's flags against the real binary
#   pytest, pytest-xdist, pyyaml,  .tools/venv-chart (PyPI); kubernetes-validate ships Kubernetes' own
#   jsonschema, semver,            OpenAPI as JSON schemas
#   kubernetes-validate
#   checkov                        .tools/venv-chart-checkov (PyPI)
#   @kubernetes-models/gke         .tools/node-chart (npm): validators compiled from GKE's policy CRDs
#   CRD YAML                       go mod download: prometheus-operator, gateway-api; GMP's PodMonitoring and
#                                  Rules from tests/chart/derived-crds (no registry serves their CRDs)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools_bin=$root/.tools/bin
venv=$root/.tools/venv-chart
node_dir=$root/.tools/node-chart
schema_dir=${HELLO_SCHEMA_CACHE:-$HOME/.cache/hello-server/schemas}

HELM_VERSION=v4.3.2
HELM3_VERSION=v3.22.0
COSIGN_VERSION=v3.1.3
SEMVER_VERSION=3.0.4
PYTEST_XDIST_VERSION=3.8.0
KUBECONFORM_VERSION=v0.8.0
HELM_DOCS_VERSION=v1.14.2
PYTEST_VERSION=9.2.0
PYYAML_VERSION=6.0.4
JSONSCHEMA_VERSION=4.26.0
CHECKOV_VERSION=3.3.30
KUBERNETES_VALIDATE_VERSION=1.37.0
GKE_MODELS_VERSION=4.6.2
PROMETHEUS_OPERATOR_VERSION=v0.85.0
GATEWAY_API_VERSION=v1.6.3

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "20-chart-tools: '$1' is required but not on PATH" >&2; exit 1; }
}
need go
need python3
need npm

mkdir -p "$tools_bin"

# go_install BINARY MODULE_PATH/cmd/... VERSION [LDFLAGS [GO_INSTALL_FLAGS...]]: (re)installs only when the
# binary's module version or the build flags differ from the last install (recorded in .tools/bin/.BINARY.build:
# with -trimpath Go leaves -ldflags out of the binary's build info). BINARY may differ from the command's name.
go_install() {
  local bin=$1 pkg=$2 version=$3 ldflags=${4:-} have="" stamp stage
  shift $(($# < 4 ? $# : 4))
  stamp="$tools_bin/.$bin.build"
  if [ -x "$tools_bin/$bin" ] && [ -f "$stamp" ]; then
    have=$(go version -m "$tools_bin/$bin" | awk '$1 == "mod" { print $3; exit }')
  fi
  if [ "$have" = "$version" ] && [ "$(cat "$stamp")" = "$pkg@$version $* -ldflags=$ldflags" ]; then
    echo "chart tools: $bin $version present"
    return
  fi
  echo "chart tools: installing $bin $version"
  stage=$(mktemp -d "$root/.tools/.stage.XXXXXX")
  GOBIN=$stage go install "$@" -ldflags="$ldflags" "$pkg@$version"
  # go install names the command after the package path's last element, a major-version suffix (/v2) skipped.
  mv "$stage/$(basename "${pkg%/v[0-9]*}")" "$tools_bin/$bin"
  rmdir "$stage"
  echo "$pkg@$version $* -ldflags=$ldflags" >"$stamp"
}
# Helm 4 takes its default Kubernetes version (for `helm template` / `helm lint` without a cluster) from the
# k8s.io/client-go version in its build info, so only its own version needs setting: 4.3.2 -> client-go v0.37 ->
# Kubernetes 1.37. Helm 3 needs the same -X flags as its own Makefile, or it defaults to v1.20, which the chart's
# kubeVersion (>=1.29) rejects; 1.37 matches Helm 4.
go_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
helm3_x=helm.sh/helm/v3
go_install helm3 $helm3_x/cmd/helm "$HELM3_VERSION" "-X $helm3_x/internal/version.version=$HELM3_VERSION \
-X $helm3_x/pkg/chartutil.k8sVersionMajor=1 -X $helm3_x/pkg/chartutil.k8sVersionMinor=37 \
-X $helm3_x/pkg/lint/rules.k8sVersionMajor=1 -X $helm3_x/pkg/lint/rules.k8sVersionMinor=37"
go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
# Stripped (-s -w): 102 MB instead of 141 MB. The version variable is the one of cosign's own Makefile.
go_install cosign github.com/sigstore/cosign/v3/cmd/cosign "$COSIGN_VERSION" \
  "-s -w -buildid= -X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION" -trimpath
go_install helm-docs github.com/norwoodj/helm-docs/cmd/helm-docs "$HELM_DOCS_VERSION"

# venv DIR PIN...: (re)creates a virtualenv only when its pins changed. checkov gets its own venv because
# its pinned dependencies conflict with pytest's.
venv() {
  local dir=$1 stamp=$1/.pins
  shift
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$*" ]; then
    echo "chart tools: $(basename "$dir") present"
    return
  fi
  echo "chart tools: creating $dir"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$*" >"$stamp"
}
venv "$venv" "pytest==$PYTEST_VERSION" "PyYAML==$PYYAML_VERSION" "jsonschema==$JSONSCHEMA_VERSION" \
  "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "semver==$SEMVER_VERSION" "pytest-xdist==$PYTEST_XDIST_VERSION"
venv "$venv-checkov" "checkov==$CHECKOV_VERSION"

proxy_tag=$("$venv/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["cloudSqlProxy"]["image"]["tag"])' \
  chart/hello-server/values.yaml)
go_install cloud-sql-proxy github.com/GoogleCloudPlatform/cloud-sql-proxy/v2 "v$proxy_tag"

if [ -f "$node_dir/node_modules/@kubernetes-models/gke/package.json" ] &&
  [ "$(jq -r .version "$node_dir/node_modules/@kubernetes-models/gke/package.json")" = "$GKE_MODELS_VERSION" ]; then
  echo "chart tools: @kubernetes-models/gke $GKE_MODELS_VERSION present"
else
  echo "chart tools: installing @kubernetes-models/gke $GKE_MODELS_VERSION"
  mkdir -p "$node_dir"
  npm install --silent --no-audit --no-fund --prefix "$node_dir" "@kubernetes-models/gke@$GKE_MODELS_VERSION"
fi

# CRD YAML comes from the upstream Go modules (read-only module cache); only derived JSON schemas are written.
crd_module_dir() {
  (cd "$root/.tools" && go mod download -json "$1@$2") | jq -er .Dir
}
operator_dir=$(crd_module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
gateway_dir=$(crd_module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION")

# Rebuilt only when an input changed (the pinned versions, the builder, the derived CRDs).
schema_inputs="$KUBERNETES_VALIDATE_VERSION $PROMETHEUS_OPERATOR_VERSION $GATEWAY_API_VERSION \
$(cat tests/chart/build_schemas.py tests/chart/derived-crds/* | sha256sum | cut -c1-16)"
if [ -f "$schema_dir/.inputs" ] && [ "$(cat "$schema_dir/.inputs")" = "$schema_inputs" ]; then
  echo "chart tools: JSON schemas present in $schema_dir"
else
  "$venv/bin/python" tests/chart/build_schemas.py \
    --out "$schema_dir" \
    --kubernetes-versions 1.29.0 "$KUBERNETES_VALIDATE_VERSION" \
    --crd "$operator_dir/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
    --crd "$operator_dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" \
    --crd "$gateway_dir/config/crd/standard/gateway.networking.k8s.io_gateways.yaml" \
    --crd "$gateway_dir/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml" \
    --crd tests/chart/derived-crds/monitoring.googleapis.com.yaml
  echo "$schema_inputs" >"$schema_dir/.inputs"
fi
