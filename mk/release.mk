# Supply chain and release (docs/release.md). Tools: scripts/setup/70-supply-chain.sh.
#
#   make deny               dependency policy: advisories, licenses, duplicate versions, sources (deny.toml)
#   make sbom               CycloneDX SBOM of the binary's dependency graph -> target/sbom/hello-server.cdx.json
#   make build-arm64        the binary for aarch64-unknown-linux-gnu (Debian's cross toolchain)
#   make release-image      multi-arch OCI image (amd64 + arm64) into .cache/release/oci, no container engine
#   make release            RELEASE_REPOSITORY=... COSIGN_KEY=...: push by digest, sign, attest the SBOM,
#                           Binary Authorization attestation, release values, release notes, chart push
#   make test-supply-chain  all of it offline: local OCI registry, throwaway keys, qemu, validators
HELLO_CACHE_DIR ?= $(HOME)/.cache/hello-server
SUPPLY_VENV := $(TOOLS_DIR)/venv-supply-chain
RELEASE_DIR := $(ROOT)/.cache/release
SBOM_DIR := $(ROOT)/target/sbom
SBOM := $(SBOM_DIR)/hello-server.cdx.json
HOST_TARGET := x86_64-unknown-linux-gnu
ARM64_TARGET := aarch64-unknown-linux-gnu
# Cargo profile of the release binaries: release for real images; the tests build the dev profile (compiles
# faster, and the host's dev build already exists).
RELEASE_PROFILE ?= release
ARM64_PROFILE ?= $(RELEASE_PROFILE)
profile_dir = $(if $(filter dev,$(1)),debug,$(1))
ARM64_BIN := $(ROOT)/target/$(ARM64_TARGET)/$(call profile_dir,$(ARM64_PROFILE))/hello-server
HOST_BIN := $(ROOT)/target/$(call profile_dir,$(RELEASE_PROFILE))/hello-server

# The RustSec database: the local snapshot copied by the setup script when ../shared/advisory-db exists,
# otherwise cargo-deny's own fetch.
ADVISORY_SNAPSHOT := $(wildcard $(ROOT)/../shared/advisory-db/SNAPSHOT.txt)
DENY_ENV := $(if $(ADVISORY_SNAPSHOT),HELLO_ADVISORY_DB_ROOT=$(HELLO_CACHE_DIR)/advisory-dbs)
DENY_FLAGS := $(if $(ADVISORY_SNAPSHOT),--offline)

# The image the release pushes. Pluggable: any skopeo source (containers-storage:IMAGE from buildah,
# docker-archive:FILE, oci:DIR:TAG). The default is the multi-arch OCI image `make release-image` builds.
RELEASE_TAG ?= $(HELLO_VERSION)
RELEASE_IMAGE_SOURCE ?= oci:$(RELEASE_DIR)/oci:$(RELEASE_TAG)
RELEASE_REPOSITORY ?=
RELEASE_DIGEST_FILE := $(RELEASE_DIR)/digest
RELEASE_CHART_REPOSITORY ?=
# Binary Authorization attestation (Terraform outputs attestor, release_key_version); empty skips the step.
RELEASE_ATTESTOR ?=
RELEASE_KEY_VERSION ?=

.PHONY: deny sbom build-arm64 release-image release release-push release-sign release-binauthz \
	release-values release-notes release-chart lint-workflows validate-renovate test-supply-chain supply-chain-tools

# $(call require,TOOL...): fail with the reason when a tool is missing (never skip a check).
require = @for tool in $(1); do command -v "$$tool" >/dev/null || \
	{ echo "$@: '$$tool' missing: run 'bash scripts/setup.sh'" >&2; exit 1; }; done

supply-chain-tools:
	$(call require,cargo-deny cargo-cyclonedx cosign actionlint renovate-config-validator skopeo umoci \
	  docker-registry qemu-aarch64-static aarch64-linux-gnu-gcc helm shellcheck jq $(SUPPLY_VENV)/bin/python)

deny: ## dependency policy (deny.toml): advisories, licenses, duplicate versions, sources
	$(call require,cargo-deny)
	$(DENY_ENV) cargo deny --locked $(DENY_FLAGS) check

sbom: ## CycloneDX SBOM of what the binary links -> target/sbom/hello-server.cdx.json
	$(call require,cargo-cyclonedx jq)
	bash $(ROOT)/scripts/release/sbom.sh $(HOST_TARGET) $(SBOM)

build-arm64: ## the binary for linux/arm64 (aarch64-unknown-linux-gnu), cross-compiled with Debian's toolchain
	$(call require,aarch64-linux-gnu-gcc)
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	  cargo build --locked --profile $(ARM64_PROFILE) --target $(ARM64_TARGET) --bin hello-server
	@echo "build-arm64: $(ARM64_BIN)"

release-image: build-arm64 ## multi-arch OCI image (linux/amd64 + linux/arm64) into .cache/release/oci (no engine)
	$(call require,umoci jq)
	cargo build --locked --profile $(RELEASE_PROFILE) --bin hello-server
	rm -rf $(RELEASE_DIR)/oci
	bash $(ROOT)/scripts/release/oci-image.sh $(HOST_BIN) $(RELEASE_DIR)/oci $(RELEASE_TAG)-amd64 amd64
	bash $(ROOT)/scripts/release/oci-image.sh $(ARM64_BIN) $(RELEASE_DIR)/oci $(RELEASE_TAG)-arm64 arm64
	bash $(ROOT)/scripts/release/oci-index.sh $(RELEASE_DIR)/oci $(RELEASE_TAG) \
	  amd64=$(RELEASE_TAG)-amd64 arm64=$(RELEASE_TAG)-arm64

release-push:
	$(call require,skopeo cosign cargo-cyclonedx jq)
	@test -n "$(RELEASE_REPOSITORY)" || { echo "release: set RELEASE_REPOSITORY (terraform output image_repository)" >&2; exit 1; }
	bash $(ROOT)/scripts/release/push.sh $(RELEASE_IMAGE_SOURCE) $(RELEASE_REPOSITORY):$(RELEASE_TAG) $(RELEASE_DIGEST_FILE)

release-sign: release-push sbom
	bash $(ROOT)/scripts/release/sign.sh $(RELEASE_REPOSITORY)@$$(cat $(RELEASE_DIGEST_FILE))
	bash $(ROOT)/scripts/release/attest-sbom.sh $(RELEASE_REPOSITORY)@$$(cat $(RELEASE_DIGEST_FILE)) $(SBOM)

release-binauthz: release-sign
	@if [ -z "$(RELEASE_ATTESTOR)" ]; then \
	  echo "release: RELEASE_ATTESTOR empty, no Binary Authorization attestation (clusters enforcing the policy will refuse this image)"; \
	else \
	  RELEASE_ATTESTOR=$(RELEASE_ATTESTOR) RELEASE_KEY_VERSION=$(RELEASE_KEY_VERSION) \
	    bash $(ROOT)/scripts/release/binauthz-attest.sh $(RELEASE_REPOSITORY)@$$(cat $(RELEASE_DIGEST_FILE)); \
	fi

release-values: release-push
	bash $(ROOT)/scripts/release/release-values.sh $(RELEASE_REPOSITORY) $$(cat $(RELEASE_DIGEST_FILE)) \
	  > $(RELEASE_DIR)/values-release.yaml
	@echo "release: $(RELEASE_DIR)/values-release.yaml"

release-chart:
	$(call require,helm)
	@test -n "$(RELEASE_CHART_REPOSITORY)" || { echo "release: RELEASE_CHART_REPOSITORY empty, chart not pushed"; exit 0; }; \
	rm -rf $(RELEASE_DIR)/chart && helm package $(CHART_DIR) --destination $(RELEASE_DIR)/chart >/dev/null && \
	helm push $(RELEASE_DIR)/chart/hello-server-*.tgz $(RELEASE_CHART_REPOSITORY) $(HELM_PUSH_FLAGS)

release-notes: release-push sbom
	bash $(ROOT)/scripts/release/release-notes.sh v$(RELEASE_TAG) $(RELEASE_REPOSITORY) \
	  $$(cat $(RELEASE_DIGEST_FILE)) $(SBOM) $(RELEASE_CHART_REPOSITORY) > $(RELEASE_DIR)/release-notes.md
	@echo "release: $(RELEASE_DIR)/release-notes.md"

release: release-binauthz release-values release-chart release-notes ## RELEASE_REPOSITORY=... COSIGN_KEY=...: push, sign, attest, values, chart, notes
	@echo "release: $(RELEASE_REPOSITORY)@$$(cat $(RELEASE_DIGEST_FILE)) signed and attested"

lint-workflows: ## actionlint the GitHub Actions workflows (shellcheck on their run: steps)
	$(call require,actionlint shellcheck)
	actionlint -no-color

validate-renovate: ## renovate-config-validator on .github/renovate.json5
	$(call require,renovate-config-validator)
	renovate-config-validator --strict --no-global $(ROOT)/.github/renovate.json5

test-supply-chain: supply-chain-tools ## supply chain: cargo-deny, SBOM, sign/verify/tamper on a local registry, arm64 under qemu, Renovate, actionlint
	shellcheck -x scripts/release/*.sh scripts/setup/70-supply-chain.sh
	$(SUPPLY_VENV)/bin/python -m pytest -p no:cacheprovider -q $(ROOT)/tests/supply_chain

TEST_TARGETS += test-supply-chain
