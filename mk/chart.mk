# Helm chart: chart/hello-server. Tools come from scripts/setup/20-chart-tools.sh (.tools/, schemas in
# ~/.cache/hello-server/schemas); a missing tool fails the check instead of skipping it. `helm` is Helm 4,
# `helm3` the last Helm 3: the tests run both.
CHART_DIR := $(ROOT)/chart/hello-server
CHART_VENV := $(TOOLS_DIR)/venv-chart
CHART_OUT := $(ROOT)/.cache/chart
HELM_DOCS_FLAGS := --chart-search-root $(ROOT)/chart --skip-version-footer --sort-values-order file --log-level warning
CHART_TOOLS := helm helm3 kubeconform helm-docs cosign docker-registry node shellcheck $(CHART_VENV)/bin/python \
  $(TOOLS_DIR)/venv-chart-checkov/bin/checkov

# chart-publish: REGISTRY is an OCI repository URL (oci://REGION-docker.pkg.dev/PROJECT/REPO). The chart is signed
# with cosign: keyless (Sigstore, from the CI's OIDC identity) unless COSIGN_KEY names a key (file or KMS URI,
# e.g. gcpkms://...). HELM_PUSH_FLAGS and COSIGN_FLAGS pass extra flags (e.g. --plain-http, --allow-http-registry
# for a registry on loopback); CHART_SIGN=0 skips signing.
REGISTRY ?=
COSIGN_KEY ?=
COSIGN_FLAGS ?=
HELM_PUSH_FLAGS ?=
CHART_SIGN ?= 1

.PHONY: test-chart chart-docs chart-schema chart-template chart-package chart-publish chart-verify chart-version-check
TEST_TARGETS += test-chart

test-chart: ## chart: lint + render with Helm 4 and 3, kubeconform, pod security, checkov, umbrella, OCI push/sign/verify, docs, version bump
	@for tool in $(CHART_TOOLS); do \
	  command -v "$$tool" >/dev/null || { echo "test-chart: '$$tool' missing: run 'bash scripts/setup.sh'" >&2; exit 1; }; \
	done
	shellcheck $(ROOT)/scripts/setup/20-chart-tools.sh
	@# One worker per CPU, each test file on one worker (module fixtures such as the registry start once).
	$(CHART_VENV)/bin/python -m pytest -p no:cacheprovider -q -n auto --dist loadfile $(ROOT)/tests/chart

chart-docs: ## chart: regenerate chart/hello-server/README.md (values table) with helm-docs
	helm-docs $(HELM_DOCS_FLAGS) $(HELM_DOCS_ARGS)

chart-schema: ## chart: regenerate the Kubernetes object shapes embedded in values.schema.json
	$(CHART_VENV)/bin/python $(ROOT)/tests/chart/values_schema.py --write

chart-template: ## chart: render the chart with ci/default-values.yaml
	helm template hello $(CHART_DIR) --namespace hello --values $(CHART_DIR)/ci/default-values.yaml

chart-package: ## chart: package the chart (symlinked alerts/ and dashboards/ resolved) into .cache/chart/
	helm package $(CHART_DIR) --destination $(CHART_OUT)

chart-version-check: ## chart: the version must be raised when the packaged chart changed (vs. merge base / last change)
	$(CHART_VENV)/bin/python $(ROOT)/tests/chart/chart_version.py --helm "$$(command -v helm)"

chart-publish: chart-package ## chart: push to REGISTRY=oci://HOST/PATH and sign with cosign; prints the digest
	@case "$(REGISTRY)" in oci://?*) ;; *) echo "chart-publish: set REGISTRY=oci://HOST/PATH (got '$(REGISTRY)')" >&2; exit 1;; esac
	@set -euo pipefail; \
	version=$$(helm show chart $(CHART_DIR) | awk '$$1 == "version:" { print $$2 }'); \
	archive=$(CHART_OUT)/hello-server-$$version.tgz; \
	helm push "$$archive" "$(REGISTRY)" $(HELM_PUSH_FLAGS) 2>&1 | tee $(CHART_OUT)/push.log; \
	digest=$$(awk '$$1 == "Digest:" { print $$2 }' $(CHART_OUT)/push.log); \
	case "$$digest" in sha256:*) ;; *) echo "chart-publish: no digest in helm push's output" >&2; exit 1;; esac; \
	ref="$(REGISTRY:oci://%=%)/hello-server@$$digest"; \
	echo "$$ref" > $(CHART_OUT)/hello-server-$$version.ref; \
	if [ "$(CHART_SIGN)" = 1 ]; then \
	  cosign sign --yes $(if $(COSIGN_KEY),--key "$(COSIGN_KEY)") $(COSIGN_FLAGS) "$$ref"; \
	fi; \
	echo "chart-publish: oci://$$ref (hello-server $$version)"

# chart-verify: REGISTRY as above; COSIGN_KEY is the public key, or keyless with COSIGN_FLAGS naming the signer
# (--certificate-identity ... --certificate-oidc-issuer ...). VERSION defaults to the chart's version.
chart-verify: ## chart: verify the cosign signature of the chart in REGISTRY (VERSION, COSIGN_KEY or COSIGN_FLAGS)
	@case "$(REGISTRY)" in oci://?*) ;; *) echo "chart-verify: set REGISTRY=oci://HOST/PATH" >&2; exit 1;; esac
	@set -euo pipefail; \
	version=$${VERSION:-$$(helm show chart $(CHART_DIR) | awk '$$1 == "version:" { print $$2 }')}; \
	cosign verify $(if $(COSIGN_KEY),--key "$(COSIGN_KEY)") $(COSIGN_FLAGS) "$(REGISTRY:oci://%=%)/hello-server:$$version" >/dev/null; \
	echo "chart-verify: $(REGISTRY)/hello-server:$$version is signed"
