#!/usr/bin/env bash
# kube-apiserver on the node address (the bridge), etcd on loopback, RBAC + Node authorization, the
# aggregation layer for metrics-server, admission defaults (PodSecurity included). No capabilities.
#
#   apiserver.sh start | stop
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
pki=$CLUSTER_STATE/pki

case "${1:-}" in
  start)
    need curl
    start_daemon kube-apiserver "${WITHOUT_PRIVILEGES[@]}" "$CLUSTER_BIN/kube-apiserver" \
      --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port="$APISERVER_PORT" \
      --etcd-servers=http://127.0.0.1:2379 \
      --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range=30000-32767 \
      --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
      --client-ca-file="$pki/ca.crt" \
      --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
      --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
      --kubelet-preferred-address-types=InternalIP \
      --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
      --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
      --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
      --requestheader-client-ca-file="$pki/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
      --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
      --requestheader-extra-headers-prefix=X-Remote-Extra- \
      --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
      --enable-aggregator-routing=true --allow-privileged=true --profiling=false \
      --event-ttl=30m --v=1
    # A 401 is not "up": only an authenticated /readyz counts.
    wait_for 90 "kube-apiserver /readyz" admin_curl readyz
    log "kube-apiserver ready on https://$NODE_IP:$APISERVER_PORT"
    ;;
  stop) stop_daemon kube-apiserver ;;
  *) die "usage: $0 start|stop" ;;
esac
