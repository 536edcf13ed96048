#!/usr/bin/env bash
# The node's network and the host settings the cluster changes.
#
#   network.sh start   record the host sysctls the components may change (once), create the bridge that is the
#                      node's address and the pods' gateway, route the Service range onto it
#   network.sh stop    delete the bridge, the route, the pods' leftover network namespaces, every iptables rule
#                      and ipset the components added, and put the recorded sysctls back
#
# Recorded: net.ipv4.ip_forward (the bridge CNI plugin turns it on), kernel.panic, kernel.panic_on_oops and
# vm.overcommit_memory (kubelet sets them at start), route_localnet and the conntrack limits (kube-proxy, had it
# not been configured to leave them), bridge-nf-call-iptables.
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "$0")/lib.sh"

SYSCTLS=(
  net.ipv4.ip_forward kernel.panic kernel.panic_on_oops vm.overcommit_memory
  net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max net.bridge.bridge-nf-call-iptables
  net.bridge.bridge-nf-call-ip6tables
)
saved=$CLUSTER_STATE/host-sysctls
CONTAIN=(-i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment "hello-cluster: pods stay on this machine" -j DROP)

start() {
  need ip iptables sysctl
  mkdir -p "$CLUSTER_STATE"
  if [ ! -f "$saved" ]; then
    local key
    for key in "${SYSCTLS[@]}"; do
      sysctl -n "$key" >/dev/null 2>&1 && echo "$key=$(sysctl -n "$key")"
    done >"$saved.tmp"
    mv "$saved.tmp" "$saved"
    # Every rule present before the cluster, so `stop` removes only what the cluster added.
    iptables-save >"$CLUSTER_STATE/host-iptables"
    ip6tables-save >"$CLUSTER_STATE/host-ip6tables" 2>/dev/null || true
    log "host sysctls recorded in $saved"
  fi
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    log "bridge $BRIDGE created"
  fi
  ip addr replace "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Service traffic goes to the bridge even before kube-proxy rewrites it: never out of the machine.
  ip route replace "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"
  # Pods reach ClusterIPs served by pods on the same bridge only when bridged frames pass iptables.
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  # Nothing from the pods is forwarded beyond the bridge, whatever routes a pod might have.
  iptables -C FORWARD "${CONTAIN[@]}" 2>/dev/null || iptables -I FORWARD 1 "${CONTAIN[@]}"
}

# Chains the cluster's components create (kube-proxy: KUBE-*, kubelet: KUBE-FIREWALL/KUBE-KUBELET-CANARY,
# CNI: CNI-*, kube-router: KUBE-ROUTER-*/KUBE-POD-FW-*/KUBE-NWPLCY-*/KUBE-SRC-*).
cleanup_iptables() {
  local family table
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null 2>&1 || continue
    for table in filter nat mangle raw; do
      "$family-save" -t "$table" 2>/dev/null | grep -qE '(KUBE-|CNI-)' || continue
      # Delete the rules that jump to or live in the cluster's chains, then flush and delete those chains; rules
      # and chains recorded before the cluster started stay.
      python3 - "$family" "$table" "$CLUSTER_STATE/host-${family}" <<'PY' | "$family-restore" --noflush
import re, subprocess, sys
family, table, before_file = sys.argv[1:4]
try:
    before = open(before_file).read()
except FileNotFoundError:
    before = ""
section = re.search(rf"^\*{table}\n(.*?)^COMMIT", before, re.M | re.S)
keep = set(section.group(1).splitlines()) if section else set()
current = subprocess.run([f"{family}-save", "-t", table], capture_output=True, text=True, check=True).stdout
ours = re.compile(r"(KUBE-|CNI-)")
chains = []
print(f"*{table}")
for line in current.splitlines():
    if line.startswith(":") and ours.search(line) and line.split()[0] not in {k.split()[0] for k in keep if k}:
        chains.append(line[1:].split()[0])
    elif line.startswith("-A") and ours.search(line) and line not in keep:
        print("-D" + line[2:])
for chain in chains:
    print(f"-F {chain}")
for chain in chains:
    print(f"-X {chain}")
print("COMMIT")
PY
    done
  done
  if command -v ipset >/dev/null 2>&1; then
    local set
    for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router-|inet6:KUBE-)' || true); do
      ipset destroy "$set" 2>/dev/null || true
    done
  fi
}

stop() {
  local netns
  # Pod sandboxes kubelet could not tear down (CNI DEL) leave their namespaces behind.
  for netns in /var/run/netns/cni-*; do
    [ -e "$netns" ] || continue
    ip netns delete "$(basename "$netns")" 2>/dev/null || { umount "$netns" 2>/dev/null; rm -f "$netns"; }
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE"
  while iptables -D FORWARD "${CONTAIN[@]}" 2>/dev/null; do :; done
  ip route del "$SERVICE_CIDR" 2>/dev/null || true
  cleanup_iptables
  if [ -f "$saved" ]; then
    local line
    while read -r line; do
      [ -n "$line" ] && sysctl -qw "$line"
    done <"$saved"
    rm -f "$saved" "$CLUSTER_STATE/host-iptables" "$CLUSTER_STATE/host-ip6tables"
    log "host sysctls restored"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
