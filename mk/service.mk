# The hello-server binary: build, run locally, and its checks.
#   make build       debug build of target/debug/hello-server
#   make run         serve on :8080 against DATABASE_URL, or a throwaway local PostgreSQL
#   make test-rust   cargo fmt --check, clippy -D warnings, every Rust test (real PostgreSQL, Chromium)
SERVICE_SCRIPTS := scripts/run-local.sh scripts/setup/10-rust.sh

.PHONY: build run test-rust lint-service-scripts

build: ## build the hello-server binary (debug)
	cargo build --locked

run: setup-run ## serve on :8080 (DATABASE_URL, else a throwaway PostgreSQL); Ctrl-C stops both
	bash scripts/run-local.sh

lint-service-scripts:
	@command -v shellcheck >/dev/null || { echo "shellcheck missing: run bash scripts/setup.sh" >&2; exit 1; }
	shellcheck $(SERVICE_SCRIPTS)

test-rust: lint-service-scripts ## rustfmt, clippy and all Rust tests against a real PostgreSQL
	cargo fmt --check
	cargo clippy --locked --all-targets -- -D warnings
	CI=true cargo test --locked

TEST_TARGETS += test-rust
