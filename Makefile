# hello-server — one entry point for every part of the project.
#
#   make run     serve the greeting on :8080 (throwaway local PostgreSQL unless DATABASE_URL is set)
#   make test    every check of every part (what CI runs)
#
# Each part keeps its targets in mk/<part>.mk and adds its checks to TEST_TARGETS.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOOLS_DIR := $(ROOT)/.tools
TOOLS_BIN := $(TOOLS_DIR)/bin
export PATH := $(TOOLS_BIN):$(PATH)

TEST_TARGETS :=

include $(sort $(wildcard mk/*.mk))

.PHONY: help setup test
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

setup: ## install every prerequisite (system packages, pinned tools) — idempotent
	bash scripts/setup.sh

test: $(TEST_TARGETS) ## run every check of every part
	@echo "make test: all parts passed ($(TEST_TARGETS))"
