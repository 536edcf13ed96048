# A real single-node Kubernetes on this machine, the image built from the Dockerfile, and the chart installed on
# it (scripts/cluster/, docs/cluster.md). Binaries, images and state live in ~/.cache/hello-server/cluster.
#   make cluster-up      start it (idempotent); prints KUBECONFIG=... and GREETING_URL=... last
#   make cluster-down    stop everything it started, remove its state, restore the host
#   make test-cluster    the real-cluster checks (brings a cluster up and down when none runs;
#                        E2E_KUBECONFIG=<path> targets a cluster of your own instead)

.PHONY: cluster-up cluster-down test-cluster
TEST_TARGETS += test-cluster

cluster-up: ## local Kubernetes + image + PostgreSQL + the chart via Helm 4; prints KUBECONFIG= and GREETING_URL=
	@bash scripts/cluster/up.sh

cluster-down: ## stop the local cluster, remove its state, restore host settings
	@bash scripts/cluster/down.sh

test-cluster: ## real cluster: Helm 4/3 install, helm test, upgrade, uninstall, Services, pod security, monitoring CRDs
	@command -v shellcheck >/dev/null || { echo "test-cluster: shellcheck missing: run bash scripts/setup.sh" >&2; exit 1; }
	shellcheck -x scripts/cluster/*.sh scripts/setup/60-cluster.sh
	bash scripts/cluster/test.sh
