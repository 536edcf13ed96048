#!/usr/bin/env bash
# make test-cluster: the real-cluster suite (tests/cluster) against
#   - the cluster named by E2E_KUBECONFIG, when set (explicit opt-in; nothing is started or stopped here), else
#   - the local cluster when `make cluster-up` already runs (left running afterwards), else
#   - a local cluster brought up for the run and torn down after it, also when a check fails or the run is
#     interrupted.
# The ambient KUBECONFIG is never used. A machine that cannot run the cluster fails here with the reason.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
venv=$REPO_ROOT/.tools/venv-cluster
[ -x "$venv/bin/pytest" ] || die "$venv missing: run 'bash scripts/setup.sh'"
report_dir=$REPO_ROOT/target/cluster-e2e
mkdir -p "$report_dir"

suite() {
  local start=$SECONDS status=0
  (cd "$REPO_ROOT" && env -u KUBECONFIG "$venv/bin/pytest" -p no:cacheprovider -q -rA --durations=15 \
    --junitxml="$report_dir/junit.xml" tests/cluster "$@") || status=$?
  log "suite finished in $((SECONDS - start)) s (exit $status)"
  return "$status"
}

if [ -n "${E2E_KUBECONFIG:-}" ]; then
  log "running against E2E_KUBECONFIG=$E2E_KUBECONFIG (explicit opt-in)"
  suite "$@"
  exit
fi
# One local cluster per machine: a second run (another checkout, a parallel CI job) waits for the first
# instead of sharing its cluster or tearing it down under it.
mkdir -p "$CLUSTER_CACHE"
exec 9>"$CLUSTER_CACHE/suite.lock"
if ! flock -n 9; then
  log "another test-cluster run holds $CLUSTER_CACHE/suite.lock: waiting for it (at most 60 min)"
  flock -w 3600 9 || die "the other test-cluster run did not finish within 60 min"
fi

if daemon_running kube-apiserver && [ -f "$KUBECONFIG_ADMIN" ]; then
  log "running against the local cluster already up (left running)"
  suite "$@"
  exit
fi

trap 'bash "$here/down.sh"' EXIT
up_start=$SECONDS
bash "$here/up.sh"
log "cluster-up took $((SECONDS - up_start)) s"
suite "$@"
