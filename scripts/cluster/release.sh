#!/usr/bin/env bash
# The chart installed as users install it: release $RELEASE in namespace $RELEASE_NAMESPACE (restricted Pod Security),
# with the current Helm 4, the image cluster-up built and loaded, values from values-local.yaml, --wait.
#
#   release.sh install     install or upgrade, wait until every pod is Ready
#   release.sh url         the greeting's URL through the public Service (reachable from this host)
#   release.sh uninstall
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"

service_url() {
  local ip port
  ip=$(kubectl_admin -n "$RELEASE_NAMESPACE" get service -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component!=metrics" \
    -o jsonpath='{.items[0].spec.clusterIP}')
  port=$(kubectl_admin -n "$RELEASE_NAMESPACE" get service -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component!=metrics" \
    -o jsonpath='{.items[0].spec.ports[0].port}')
  [ -n "$ip" ] || die "no public Service of release $RELEASE in $RELEASE_NAMESPACE"
  echo "http://$ip:$port/greeting/1"
}

case "${1:-}" in
  install)
    require_helm4
    ref=$(cat "$CLUSTER_IMAGES/hello-server.tar.ref" 2>/dev/null) || die "no image built: run scripts/cluster/image.sh"
    namespace_restricted "$RELEASE_NAMESPACE"
    db_secret "$RELEASE_NAMESPACE"
    start=$SECONDS
    "$HELM" upgrade --install "$RELEASE" "$REPO_ROOT/chart/hello-server" --kubeconfig "$KUBECONFIG_ADMIN" \
      --namespace "$RELEASE_NAMESPACE" --values "$(dirname "$0")/values-local.yaml" \
      --set "image.repository=${ref%:*}" --set "image.tag=${ref##*:}" --wait --timeout 5m >/dev/null
    # With the HPA on, the Deployment starts at one pod and the HPA raises it to minReplicas after helm returns.
    deployment=$(kubectl_admin -n "$RELEASE_NAMESPACE" get deployment -l "app.kubernetes.io/instance=$RELEASE" -o name)
    minimum=$(kubectl_admin -n "$RELEASE_NAMESPACE" get hpa -l "app.kubernetes.io/instance=$RELEASE" \
      -o jsonpath='{.items[0].spec.minReplicas}' 2>/dev/null || true)
    ready_at_least() {
      [ "$(kubectl_admin -n "$RELEASE_NAMESPACE" get "$deployment" -o jsonpath='{.status.readyReplicas}')" -ge "$1" ]
    }
    [ -z "$minimum" ] || wait_for 180 "$minimum Ready pods of $deployment" ready_at_least "$minimum"
    log "release $RELEASE ($ref) Ready in $RELEASE_NAMESPACE after $((SECONDS - start)) s"
    ;;
  url) service_url ;;
  uninstall)
    if [ -x "$HELM" ] && "$HELM" status "$RELEASE" --kubeconfig "$KUBECONFIG_ADMIN" -n "$RELEASE_NAMESPACE" >/dev/null 2>&1; then
      "$HELM" uninstall "$RELEASE" --kubeconfig "$KUBECONFIG_ADMIN" -n "$RELEASE_NAMESPACE" --wait >/dev/null
    fi
    ;;
  *) die "usage: $0 install|url|uninstall" ;;
esac
