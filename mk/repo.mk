# Repository-wide checks for the shared scripts (setup, CI entry point, throwaway PostgreSQL).
REPO_SCRIPTS := .ci/run scripts/setup.sh scripts/setup/00-system-packages.sh scripts/pg-temp.sh

.PHONY: test-repo
TEST_TARGETS += test-repo

test-repo: ## shellcheck the shared scripts; CI runs the test command README documents
	@command -v shellcheck >/dev/null || { echo "test-repo: shellcheck missing: run bash scripts/setup.sh" >&2; exit 1; }
	shellcheck $(REPO_SCRIPTS)
	@grep -q '^make test$$' .ci/run || { echo "test-repo: .ci/run must run 'make test'" >&2; exit 1; }
	@! grep -vE '^(#|$$|set -euo pipefail$$|cd "\$$\(dirname "\$$0"\)/\.\."$$|make test$$)' .ci/run \
	  || { echo "test-repo: .ci/run may only run 'make test' (the command README documents), nothing else" >&2; exit 1; }
	@grep -q '`make test`' README.md || { echo "test-repo: README.md must document 'make test'" >&2; exit 1; }
