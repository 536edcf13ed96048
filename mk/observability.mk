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
