# lib.sh: settings shared by build.sh, up.sh, down.sh, verify.sh and prometheus.sh (sourced, not run).
#   SMP_CLUSTER_DIR    the running cluster's files: kubeconfig, prometheus-url, pki, logs, pids, data
#                      (default /tmp/smp-cluster)
#   SMP_CLUSTER_CACHE  built binaries and images (default ${XDG_CACHE_HOME:-$HOME/.cache}/smp-cluster/<version>)
# One cluster per machine: the bridge, CIDRs, ports and containerd socket are fixed.
K8S_VERSION=v1.34.4
CRICTL_VERSION=v1.34.0
K8S_COMPONENTS="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl"
APT_PACKAGES="containerd runc containernetworking-plugins iptables etcd-server prometheus"
PAUSE_IMAGE=registry.k8s.io/pause:3.10

CACHE=${SMP_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smp-cluster/$K8S_VERSION}
BIN=$CACHE/bin
IMG=$CACHE/images
BASE=${SMP_CLUSTER_DIR:-/tmp/smp-cluster}
KUBECONFIG_PATH=$BASE/kubeconfig

POD_CIDR=10.244.0.0/24              # this node's pods (host-local IPAM)
POD_GW=10.244.0.1                   # bridge address = host address seen by pods = apiserver advertise address
SVC_CIDR=10.96.0.0/16               # ClusterIPs; 10.96.0.1 is the "kubernetes" Service
API_PORT=6443
ETCD_PORT=2379
KUBELET_PORT=10250
PROM_PORT=${SMP_PROMETHEUS_PORT:-9090}
SOCK=/run/containerd/containerd.sock  # the default socket: the kubelet's cAdvisor dials it (fix 2)
NODE=$(hostname)                      # node name = hostname, resolved by /etc/hosts (fix 3)

# One clock for a script and the scripts it runs (up.sh -> prometheus.sh), so their times line up.
_T0=${SMP_CLUSTER_T0:-$(date +%s.%N)}
export SMP_CLUSTER_T0=$_T0
say() { echo "[$(awk "BEGIN{printf \"%6.1f\", $(date +%s.%N)-$_T0}")s] $*"; }
die() { echo "$(basename "$0"): $*" >&2; exit 1; }
kc() { "$BIN/kubectl" --kubeconfig="$KUBECONFIG_PATH" "$@"; }
# alive NAME: the process recorded in $BASE/pids/NAME is running.
alive() { local p; p=$(cat "$BASE/pids/$1" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
