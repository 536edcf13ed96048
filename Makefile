# hello-server — one entry point for every part of the project.
#
#   make run     serve the greeting on :8080 (throwaway local PostgreSQL unless DATABASE_URL is set)
#   make test    every check of every part (what CI runs)
#
# Both install what they need first (scripts/setup.sh, idempotent: seconds when all is present), so a
# fresh clone on a fresh machine needs nothing else. Each part keeps its targets in mk/<part>.mk and
# adds its checks to TEST_TARGETS; `make check` runs them without the setup step.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOOLS_DIR := $(ROOT)/.tools
TOOLS_BIN := $(TOOLS_DIR)/bin
export PATH := $(TOOLS_BIN):$(PATH)

TEST_TARGETS :=

include $(sort $(wildcard mk/*.mk))

.PHONY: help setup setup-run test check
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

setup: ## install every prerequisite (system packages, pinned tools) — idempotent
	bash scripts/setup.sh

# `make run` needs only PostgreSQL and the Rust toolchain.
setup-run:
	SETUP_PACKAGES=run bash scripts/setup.sh system-packages rust

# The setup runs first and alone, then the checks in the order of TEST_TARGETS.
test: setup ## install what is missing, then run every check of every part (what CI runs)
	@$(MAKE) --no-print-directory check

check: $(TEST_TARGETS) ## every check of every part, without the setup step
	@echo "make test: all parts passed ($(TEST_TARGETS))"
