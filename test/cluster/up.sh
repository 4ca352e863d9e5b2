#!/usr/bin/env bash
# up.sh: a real single-node Kubernetes cluster on this machine (Debian 12, root, no systemd, no Docker):
# containerd (Debian) + runc + CNI bridge, etcd (Debian), Kubernetes v1.34.4 from build.sh, and a
# Prometheus scraping the kubelet's cAdvisor (prometheus.sh). Idempotent: when the cluster is already up
# and healthy it says so and exits 0; when it is half up (a process died) it is taken down and restarted.
#
#   test/cluster/up.sh        then:  eval "$(scripts/cluster env)"
#
# Writes under $SMP_CLUSTER_DIR (default /tmp/smp-cluster): kubeconfig, prometheus-url, pki, logs, pids,
# etcd/containerd/kubelet/prometheus data. Outside it: the containerd socket (/run/containerd/containerd.sock,
# the default, so kubelet/cAdvisor/crictl need no socket flags; fix 2), runc state (/run/containerd/runc),
# CNI network namespaces (/var/run/netns/cni-*), the bridge cni0 and iptables rules. down.sh removes them.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
IMAGES=${IMAGES:-$(ls "$IMG"/*.tar 2>/dev/null | tr '\n' ' ')}  # tarballs to import (must include pause)

start() { local name=$1; shift; setsid "$@" >"$BASE/logs/$name.log" 2>&1 </dev/null & echo $! >"$BASE/pids/$name"; }
wait_for() { # what tries command...: every 0.5 s, and fail early when the component's process died
  local what=$1 n=$2; shift 2
  for _ in $(seq "$n"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "timed out waiting for $what (logs: $BASE/logs)"
}
healthy() {
  local c
  for c in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy prometheus; do
    alive "$c" || return 1
  done
  kc get --raw /readyz >/dev/null 2>&1 &&
    [ "$(kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] &&
    curl -sf -m 2 "$(cat "$BASE/prometheus-url")/-/ready" >/dev/null 2>&1
}
print_env() {
  echo "export KUBECONFIG=$KUBECONFIG_PATH"
  echo "export SMP_PROMETHEUS_URL=$(cat "$BASE/prometheus-url")"
}

[ "$(id -u)" = 0 ] || die "must run as root (containerd, bridge, iptables)"
if [ -d "$BASE/pids" ] && healthy; then
  say "cluster already up and healthy (node $NODE)"
  print_env
  exit 0
fi
if [ -n "$(ls -A "$BASE/pids" 2>/dev/null)" ]; then
  say "cluster half up (a component is not running or not ready): taking it down first"
  "$HERE/down.sh"
fi
trap 'echo "up.sh failed; logs in $BASE/logs; clean up with test/cluster/down.sh" >&2' ERR

# --- 0. prerequisites -----------------------------------------------------------------------------
for b in containerd runc ctr etcd iptables openssl curl prometheus /usr/lib/cni/bridge /usr/lib/cni/host-local \
         /usr/lib/cni/portmap; do
  command -v "$b" >/dev/null || die "missing $b: run test/cluster/build.sh"
done
for c in $K8S_COMPONENTS; do [ -x "$BIN/$c" ] || die "missing $BIN/$c: run test/cluster/build.sh"; done
[ "$(getent ahostsv4 "$NODE" | awk 'NR==1{print $1}')" = 127.0.0.1 ] ||
  die "hostname $NODE must resolve to 127.0.0.1 via /etc/hosts (apiserver -> kubelet for logs/exec; fix 3)"
[ -S $SOCK ] && ctr --address $SOCK version >/dev/null 2>&1 &&
  die "a containerd not started by this script serves $SOCK; stop it first (one cluster per machine)"
mkdir -p "$BASE"/{pki,logs,pids,cni,containerd,pod-logs}
export KUBECONFIG=$KUBECONFIG_PATH

# --- 1. host networking ---------------------------------------------------------------------------
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.bridge.bridge-nf-call-iptables=1     # br_netfilter is built into this kernel
# Pre-create the CNI bridge so the apiserver's advertise address exists before the first pod (fix 5).
ip link show cni0 >/dev/null 2>&1 || ip link add cni0 type bridge
ip addr replace $POD_GW/24 dev cni0
ip link set cni0 up

# --- 2. containerd --------------------------------------------------------------------------------
cat >"$BASE/containerd/config.toml" <<EOF
version = 2
root = "$BASE/containerd/root"
state = "$BASE/containerd/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Fix 1: root here lacks CAP_SYS_RESOURCE, so runc cannot set the negative oom_score_adj (-998)
  # that the kubelet asks for pod sandboxes; clamp OOM scores to containerd's own (0).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$BASE/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
EOF
cat >"$BASE/cni/10-bridge.conflist" <<EOF
{"cniVersion":"1.0.0","name":"k8s-pods","plugins":[
 {"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":false,"hairpinMode":true,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"$POD_CIDR","gateway":"$POD_GW"}]],
          "routes":[{"dst":"0.0.0.0/0"}],"dataDir":"$BASE/cni-ipam"}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}
EOF
start containerd containerd --config "$BASE/containerd/config.toml"
wait_for containerd 60 ctr --address $SOCK version
say "containerd up"
for t in $IMAGES; do ctr --address $SOCK -n k8s.io images import "$t" >/dev/null; done
ctr --address $SOCK -n k8s.io images ls -q | grep -qx "$PAUSE_IMAGE" || die "image $PAUSE_IMAGE missing: run build.sh"
say "images imported: $(ctr --address $SOCK -n k8s.io images ls -q | grep -v '^sha256:' | tr '\n' ' ')"

# --- 3. credentials -------------------------------------------------------------------------------
if [ ! -f "$BASE/pki/sa.key" ]; then
  openssl genrsa -out "$BASE/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$BASE/pki/sa.key" -pubout -out "$BASE/pki/sa.pub" 2>/dev/null
  echo "$(openssl rand -hex 16),admin,admin,\"system:masters\"" >"$BASE/pki/tokens.csv"
  chmod 600 "$BASE/pki/sa.key" "$BASE/pki/tokens.csv"
fi
cat >"$KUBECONFIG_PATH" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: smp
  cluster: {server: "https://127.0.0.1:$API_PORT", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: "$(cut -d, -f1 "$BASE/pki/tokens.csv")"}
contexts:
- name: smp
  context: {cluster: smp, user: admin}
current-context: smp
EOF
chmod 600 "$KUBECONFIG_PATH"

# --- 4. etcd + control plane ----------------------------------------------------------------------
start etcd etcd --data-dir "$BASE/etcd" \
  --listen-client-urls http://127.0.0.1:$ETCD_PORT --advertise-client-urls http://127.0.0.1:$ETCD_PORT \
  --listen-peer-urls http://127.0.0.1:$((ETCD_PORT+1)) --initial-advertise-peer-urls http://127.0.0.1:$((ETCD_PORT+1)) \
  --initial-cluster default=http://127.0.0.1:$((ETCD_PORT+1))
wait_for etcd 60 curl -sf http://127.0.0.1:$ETCD_PORT/health
say "etcd up"
# Fix 5: bind all addresses and advertise the bridge address, so pods reach the "kubernetes" Service.
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:$ETCD_PORT \
  --bind-address=0.0.0.0 --secure-port=$API_PORT --advertise-address=$POD_GW \
  --cert-dir="$BASE/pki/apiserver" \
  --token-auth-file="$BASE/pki/tokens.csv" \
  --authorization-mode=RBAC \
  --allow-privileged=true \
  --service-cluster-ip-range=$SVC_CIDR \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="$BASE/pki/sa.pub" \
  --service-account-signing-key-file="$BASE/pki/sa.key"
wait_for kube-apiserver 240 kc get --raw /readyz
say "kube-apiserver ready"
start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_PATH" \
  --leader-elect=false --secure-port=0 \
  --root-ca-file="$BASE/pki/apiserver/apiserver.crt" \
  --service-account-private-key-file="$BASE/pki/sa.key"
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$KUBECONFIG_PATH" --leader-elect=false --secure-port=0

# --- 5. node: kubelet + kube-proxy ----------------------------------------------------------------
echo "nameserver 127.0.0.1" >"$BASE/pod-resolv.conf"   # no cluster DNS: keep pods' DNS on-box
# Fix 1: oomScoreAdj 0. Fix 4: localStorageCapacityIsolation left at its default (true).
cat >"$BASE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$SOCK
cgroupDriver: cgroupfs            # no systemd on one machine
failCgroupV1: false               # /sys/fs/cgroup may be cgroup v1 (hybrid); keep v1 allowed
oomScoreAdj: 0                    # kubelet cannot lower its own OOM score either (no CAP_SYS_RESOURCE)
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 10255
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
resolvConf: $BASE/pod-resolv.conf
podLogsDir: $BASE/pod-logs
failSwapOn: false
evictionHard: {}                  # no evictions on a shared disk
enforceNodeAllocatable: []
imageGCHighThresholdPercent: 100  # never GC images: they are imported, not pullable
imageGCLowThresholdPercent: 99
EOF
# --housekeeping-interval: cAdvisor samples container stats every 1 s (default 10 s), so Prometheus
# (1 s scrapes) sees CPU and memory move within a second or two, not ten.
start kubelet "$BIN/kubelet" --config="$BASE/kubelet.yaml" --kubeconfig="$KUBECONFIG_PATH" \
  --root-dir="$BASE/kubelet" --cert-dir="$BASE/pki/kubelet" --housekeeping-interval=1s
cat >"$BASE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KUBECONFIG_PATH}
mode: iptables
clusterCIDR: 10.244.0.0/16
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [127.0.0.0/8]
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
start kube-proxy "$BIN/kube-proxy" --config="$BASE/kube-proxy.yaml"

wait_for "node $NODE" 120 kc get node "$NODE"
kc wait --for=condition=Ready "node/$NODE" --timeout=120s >/dev/null
say "node $NODE Ready"
wait_for "default service account" 120 kc -n default get serviceaccount default
wait_for "kube-root-ca.crt" 120 kc -n default get configmap kube-root-ca.crt

# --- 6. Prometheus --------------------------------------------------------------------------------
"$HERE/prometheus.sh" up
say "cluster ready (node $NODE); kubeconfig $KUBECONFIG_PATH, Prometheus $(cat "$BASE/prometheus-url")"
print_env
