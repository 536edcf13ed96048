#!/usr/bin/env bash
# Certificates and kubeconfigs of the local cluster (what kubeadm would write), created once per cluster in
# $CLUSTER_STATE/pki. Keys never leave the state directory; `down.sh` deletes it.
#
#   ca            signs every client and serving certificate below; kube-controller-manager signs CSRs with it
#   apiserver     serving certificate for the node address and the `kubernetes` Service names
#   admin         system:masters client (admin.kubeconfig: the KUBECONFIG cluster-up prints)
#   controller-manager, scheduler, kubelet (system:node:<node>), kube-proxy, kube-router, apiserver-kubelet-client
#   front-proxy   the aggregation layer's CA and client (metrics-server's APIService)
#   sa            service account token signing key pair
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
need openssl

pki=$CLUSTER_STATE/pki
mkdir -p "$pki"
chmod 700 "$pki"
cd "$pki"

# cert NAME CA SUBJECT [SAN] [EXTENDED_KEY_USAGE]
cert() {
  local name=$1 ca=$2 subject=$3 san=${4:-} usage=${5:-clientAuth}
  [ -f "$name.crt" ] && return 0
  openssl genrsa -out "$name.key" 2048 2>/dev/null
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 30 -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

ca() {
  local name=$1 cn=$2
  [ -f "$name.crt" ] && return 0
  openssl genrsa -out "$name.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$name.key" -subj "/CN=$cn" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$name.crt" 2>/dev/null
}

ca ca hello-cluster-ca
ca front-proxy-ca hello-cluster-front-proxy-ca
cert apiserver ca "/CN=kube-apiserver" \
  "IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:$NODE_NAME" \
  serverAuth
cert admin ca "/O=system:masters/CN=hello-cluster-admin"
cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client"
cert controller-manager ca "/CN=system:kube-controller-manager"
cert scheduler ca "/CN=system:kube-scheduler"
cert kubelet ca "/O=system:nodes/CN=system:node:$NODE_NAME"
cert kube-proxy ca "/CN=system:kube-proxy"
cert kube-router ca "/CN=system:kube-router"
cert front-proxy-client front-proxy-ca "/CN=front-proxy-client"
if [ ! -f sa.key ]; then
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
fi
chmod 600 ./*.key

# kubeconfig NAME: $CLUSTER_STATE/NAME.kubeconfig authenticating with pki/NAME.{crt,key}.
kubeconfig() {
  local name=$1 file=$CLUSTER_STATE/$1.kubeconfig
  [ -f "$file" ] && return 0
  umask 077
  cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: hello-cluster
    cluster:
      server: https://$NODE_IP:$APISERVER_PORT
      certificate-authority-data: $(base64 -w0 ca.crt)
users:
  - name: $name
    user:
      client-certificate-data: $(base64 -w0 "$name.crt")
      client-key-data: $(base64 -w0 "$name.key")
contexts:
  - name: hello-cluster
    context:
      cluster: hello-cluster
      user: $name
current-context: hello-cluster
KUBECONFIG
}
for name in admin controller-manager scheduler kubelet kube-proxy kube-router; do kubeconfig "$name"; done
log "certificates and kubeconfigs in $pki"
