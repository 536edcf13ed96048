# Terraform, container image and the deployment path (see docs/deploy.md).
#
#   make image        build the linux/amd64 image, tagged for the Artifact Registry repository
#   make image-local  build the image from the same Dockerfile with buildah, no registry needed (local base
#                     stand-ins, docs/cluster.md); what `make cluster-up` runs and test-infra inspects
#   make push         build and push it; records the pushed digest in .cache/image-digest
#   make deploy       PROJECT_ID=... : terraform apply -> push -> database grant -> credentials -> helm
#   make test-infra   offline checks: fmt, validate, checkov, hadolint, HCL assertions, the real image

TF_DIR := $(ROOT)/terraform
# The OpenTofu scripts/setup/40-infra-tools.sh builds when no suitable terraform is installed.
TF := $(if $(wildcard $(TOOLS_BIN)/tofu),$(TOOLS_BIN)/tofu,terraform)
INFRA_VENV := $(TOOLS_DIR)/venv-infra
HELLO_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' $(ROOT)/Cargo.toml 2>/dev/null | head -n1)
HELLO_REVISION := $(shell git -C $(ROOT) rev-parse --short HEAD 2>/dev/null || echo unknown)
SOURCE_URL ?= $(shell git -C $(ROOT) config --get remote.origin.url 2>/dev/null)
IMAGE_TAG ?= $(HELLO_VERSION)-$(HELLO_REVISION)
PLATFORM := linux/amd64
NAMESPACE ?= hello
RELEASE ?= hello
DIGEST_FILE := $(ROOT)/.cache/image-digest

# Read from the Terraform state on demand (recursive `=`): only targets that need them pay for it.
tf_output = $(shell $(TF) -chdir=$(TF_DIR) output -raw $(1) 2>/dev/null)
IMAGE_REPOSITORY ?= $(or $(call tf_output,image_repository),hello-server)

DOCKER_BUILD = docker buildx build --platform $(PLATFORM) \
	--build-arg VERSION=$(HELLO_VERSION) --build-arg REVISION=$(HELLO_REVISION) \
	--build-arg SOURCE_URL=$(SOURCE_URL) --tag $(IMAGE_REPOSITORY):$(IMAGE_TAG)

.PHONY: image image-local push deploy test-infra

image: ## build the linux/amd64 image (tag: Artifact Registry repository from terraform output)
	$(DOCKER_BUILD) --load $(ROOT)

image-local: ## build the image with buildah from the Dockerfile on local base stand-ins (no registry needed)
	bash $(ROOT)/scripts/cluster/image.sh

push: ## build and push the image to Artifact Registry; the digest goes to .cache/image-digest
	@case "$(IMAGE_REPOSITORY)" in *-docker.pkg.dev/*) ;; \
	  *) echo "push: no Artifact Registry repository in the Terraform outputs (run terraform apply first)" >&2; exit 1;; esac
	gcloud auth configure-docker $(firstword $(subst /, ,$(IMAGE_REPOSITORY))) --quiet
	mkdir -p $(dir $(DIGEST_FILE))
	$(DOCKER_BUILD) --push --metadata-file $(ROOT)/.cache/image-metadata.json $(ROOT)
	jq -er '."containerimage.digest"' $(ROOT)/.cache/image-metadata.json > $(DIGEST_FILE)
	@echo "pushed $(IMAGE_REPOSITORY):$(IMAGE_TAG)@$$(cat $(DIGEST_FILE))"

deploy: ## PROJECT_ID=... [REGION=...]: empty project -> greeting (docs/deploy.md)
	@test -n "$(PROJECT_ID)" || { echo "deploy: set PROJECT_ID=<your project id>" >&2; exit 1; }
	$(TF) -chdir=$(TF_DIR) init -input=false
	$(TF) -chdir=$(TF_DIR) apply -input=false -auto-approve -var project_id=$(PROJECT_ID) $(if $(REGION),-var region=$(REGION))
	$(MAKE) --no-print-directory push
	eval "$$($(TF) -chdir=$(TF_DIR) output -raw database_bootstrap_command)"
	eval "$$($(TF) -chdir=$(TF_DIR) output -raw get_credentials_command)"
	$(TF) -chdir=$(TF_DIR) output -raw helm_values > $(ROOT)/values-gke.yaml
	helm upgrade --install $(RELEASE) $(ROOT)/chart/hello-server -n $(NAMESPACE) --create-namespace \
	  -f $(ROOT)/values-gke.yaml --set image.digest=$$(cat $(DIGEST_FILE)) --wait --timeout 10m
	@svc=$$(kubectl -n $(NAMESPACE) get service -l app.kubernetes.io/instance=$(RELEASE) \
	  -o jsonpath='{range .items[?(@.spec.type=="LoadBalancer")]}{.metadata.name}{end}'); ip=""; \
	for _ in $$(seq 60); do \
	  ip=$$(kubectl -n $(NAMESPACE) get service "$$svc" -o jsonpath='{.status.loadBalancer.ingress[0].ip}'); \
	  [ -n "$$ip" ] && break; sleep 5; \
	done; \
	test -n "$$ip" || { echo "deploy: service $$svc got no external IP within 5 minutes" >&2; exit 1; }; \
	curl -fsS --retry 24 --retry-delay 5 --retry-all-errors "http://$$ip/greeting/1" >/dev/null; \
	echo "deploy: open http://$$ip/greeting/1"

test-infra: ## Terraform/image checks (offline): fmt, validate, checkov, hadolint, HCL assertions, the built image
	@test -x $(INFRA_VENV)/bin/pytest || { echo "test-infra: $(INFRA_VENV) missing: run bash scripts/setup.sh" >&2; exit 1; }
	$(INFRA_VENV)/bin/pytest -q -p no:cacheprovider $(ROOT)/tests/infra

TEST_TARGETS += test-infra
