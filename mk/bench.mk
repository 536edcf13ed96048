# Performance and resilience evidence: loopback only, every run bounded in time.
#   make bench       concurrency sweep vs the Flask + pg8000 stack, ceilings, table + JSON + PNG
#   make soak        fixed rate for SOAK_DURATION (300 s), per-interval table
#   make chaos       database restart / freeze, pool exhaustion, SIGTERM under steady load
#   make malformed   50 000 hostile raw-TCP requests (behaviour only)
# Results land in bench/results/ (git-ignored; bench/results/reference/ is the committed run).
BENCH_PYTHON := $(TOOLS_DIR)/venv-bench/bin/python
MALFORMED_COUNT ?= 50000
# Stalled partial requests held longer than the server's header-read timeout, to see who hangs up.
MALFORMED_STALLS ?= 200
MALFORMED_STALL_SECONDS ?= 35

.PHONY: bench soak chaos malformed test-malformed test-bench bench-release bench-venv bench-oha bench-wrk

bench-venv:
	@test -x $(BENCH_PYTHON) || { echo "$(BENCH_PYTHON) missing: run bash scripts/setup.sh" >&2; exit 1; }

bench-oha:
	@command -v oha >/dev/null || { echo "oha missing from $(TOOLS_BIN): run bash scripts/setup.sh" >&2; exit 1; }

bench-wrk:
	@command -v wrk >/dev/null || { echo "wrk missing: run bash scripts/setup.sh (Debian package wrk)" >&2; exit 1; }

bench-release:
	cargo build --release --locked

bench: bench-venv bench-wrk bench-release ## sweep 1..512 connections: hello-server vs Flask + pg8000, ceilings, PNG
	$(BENCH_PYTHON) bench/sweep.py

soak: bench-venv bench-oha bench-release ## fixed-rate load for SOAK_DURATION seconds (default 300), per-minute table
	$(BENCH_PYTHON) bench/soak.py

chaos: bench-venv bench-release ## database restart/freeze, pool exhaustion and SIGTERM under steady load
	$(BENCH_PYTHON) bench/chaos.py

malformed: bench-venv bench-release ## MALFORMED_COUNT (50 000) hostile raw-TCP requests: no 5xx, no crash
	MALFORMED_COUNT=$(MALFORMED_COUNT) MALFORMED_STALLS=$(MALFORMED_STALLS) \
	  MALFORMED_STALL_SECONDS=$(MALFORMED_STALL_SECONDS) $(BENCH_PYTHON) bench/malformed.py

# The bounded variant for `make test`: 10 000 hostile requests against the debug build.
test-malformed: bench-venv
	cargo build --locked
	HELLO_SERVER_BIN=$(ROOT)/target/debug/hello-server MALFORMED_COUNT=10000 $(BENCH_PYTHON) bench/malformed.py

# The harness's own checks: timeline analysis behind the chaos verdicts, shell lint.
test-bench: bench-venv
	$(BENCH_PYTHON) -m pytest -q tests/bench
	shellcheck scripts/setup/50-bench-tools.sh

TEST_TARGETS += test-bench test-malformed
