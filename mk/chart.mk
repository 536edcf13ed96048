# Helm chart: chart/hello-server. Tools come from scripts/setup/20-chart-tools.sh (.tools/, schemas in
# ~/.cache/hello-server/schemas); a missing tool fails the check instead of skipping it.
CHART_DIR := $(ROOT)/chart/hello-server
CHART_VENV := $(TOOLS_DIR)/venv-chart
HELM_DOCS_FLAGS := --chart-search-root $(ROOT)/chart --skip-version-footer --sort-values-order file --log-level warning

.PHONY: test-chart chart-docs chart-template chart-package
TEST_TARGETS += test-chart

test-chart: ## chart: lint, kubeconform (k8s 1.29 + newest, CRDs), pod security, checkov, proxy flags, behaviour, bad values, docs, package
	@for tool in helm kubeconform helm-docs node shellcheck $(CHART_VENV)/bin/python $(TOOLS_DIR)/venv-chart-checkov/bin/checkov; do \
	  command -v "$$tool" >/dev/null || { echo "test-chart: '$$tool' missing: run 'bash scripts/setup.sh'" >&2; exit 1; }; \
	done
	shellcheck $(ROOT)/scripts/setup/20-chart-tools.sh
	$(CHART_VENV)/bin/python -m pytest -p no:cacheprovider -q $(ROOT)/tests/chart

chart-docs: ## chart: regenerate chart/hello-server/README.md (values table) with helm-docs
	helm-docs $(HELM_DOCS_FLAGS) $(HELM_DOCS_ARGS)

chart-template: ## chart: render the chart with ci/default-values.yaml
	helm template hello $(CHART_DIR) --namespace hello --values $(CHART_DIR)/ci/default-values.yaml

chart-package: ## chart: package the chart (symlinked alerts/ and dashboards/ resolved) into .cache/chart/
	helm package $(CHART_DIR) --destination $(ROOT)/.cache/chart
