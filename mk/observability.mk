# Observability bundle: alert rules (alerts/), Grafana dashboards (dashboards/),
# runbooks, the docker compose stack, and a local Prometheus with `make observe`.
#   make test-observability   promtool check + unit tests, pint, dashboard-linter --strict,
#                             static checks, end-to-end test against a live Prometheus
#   make observe              app + throwaway PostgreSQL + Prometheus with the rules
# Tools come from scripts/setup/30-observability-tools.sh; a missing tool fails the check.
OBS_VENV := $(TOOLS_DIR)/venv-observability
OBS_PYTHON := $(OBS_VENV)/bin/python

.PHONY: test-observability observe obs-tools
TEST_TARGETS += test-observability

obs-tools:
	@for tool in promtool prometheus pint dashboard-linter amtool promql-metrics shellcheck cargo $(OBS_PYTHON); do \
	  command -v "$$tool" >/dev/null || { echo "test-observability: '$$tool' missing: run 'bash scripts/setup.sh'" >&2; exit 1; }; \
	done

test-observability: obs-tools ## observability: promtool rules + unit tests, dashboard lint, static and end-to-end checks
	promtool check rules $(ROOT)/alerts/*.yaml
	promtool test rules $(ROOT)/alerts/tests/*.test.yaml
	pint --no-color --offline --config $(ROOT)/alerts/.pint.hcl lint --fail-on=warning $(ROOT)/alerts/*.yaml
	@for dashboard in $(ROOT)/dashboards/*.json; do \
	  echo "dashboard-linter lint --strict $$dashboard"; \
	  dashboard-linter lint --strict "$$dashboard" >/dev/null 2>&1 || dashboard-linter lint --strict "$$dashboard"; \
	done
	shellcheck $(ROOT)/scripts/observe.sh $(ROOT)/scripts/setup/30-observability-tools.sh
	cargo build --locked --bin hello-server
	$(OBS_PYTHON) -m pytest -p no:cacheprovider -q -s $(ROOT)/tests/observability

observe: obs-tools ## run the app on a throwaway PostgreSQL with a local Prometheus (rules loaded); Ctrl-C stops all
	bash $(ROOT)/scripts/observe.sh

# GKE Managed Prometheus path (docs/observability.md, "GKE without Grafana"):
#   make cloud-monitoring-dashboards  regenerate terraform/dashboards/*.json from dashboards/*.json
#   make gmp-alertmanager             write Terraform's alertmanager_config output into the cluster as the
#                                     managed Alertmanager's Secret gmp-public/alertmanager (kubectl context:
#                                     the cluster, e.g. after `terraform output -raw get_credentials_command`)
.PHONY: cloud-monitoring-dashboards gmp-alertmanager

cloud-monitoring-dashboards: ## regenerate the Cloud Monitoring dashboards (terraform/dashboards) from dashboards/
	python3 $(ROOT)/scripts/dashboards/to_cloud_monitoring.py $(ROOT)/dashboards $(ROOT)/terraform/dashboards

gmp-alertmanager: ## apply Terraform's managed-Alertmanager config to the cluster (Secret gmp-public/alertmanager)
	@config=$$($(TF) -chdir=$(TF_DIR) output -raw alertmanager_config 2>/dev/null) && [ -n "$$config" ] || { \
	  echo "gmp-alertmanager: no alertmanager_config in the Terraform outputs (run terraform apply first)" >&2; exit 1; }; \
	printf '%s\n' "$$config" | kubectl -n gmp-public create secret generic alertmanager \
	  --from-file=alertmanager.yaml=/dev/stdin --dry-run=client -o yaml | \
	  kubectl apply --server-side --field-manager=hello-server -f -
