#!/usr/bin/env bash
# down.sh: removes everything up.sh and istiod created in the test cluster: istiod.yaml's objects
# (namespace istio-system with all in it, the ClusterRole and ClusterRoleBinding), the Istio CRDs
# (and so every Istio resource), and the istio-ca-root-cert ConfigMaps istiod published in every
# namespace. A no-op when the cluster is down (it keeps nothing) or istiod was never installed.
# The image stays in containerd (the cluster's down.sh removes it with the rest).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

if ! env_out=$("$REPO/scripts/cluster" env 2>/dev/null); then
  say "no test cluster: nothing to remove"
  exit 0
fi
eval "$env_out"
kc() { "$SMP_KUBECTL" "$@"; }
kc get --raw /readyz >/dev/null 2>&1 || die "the test cluster's API server is not ready (scripts/cluster status)"

say "deleting istiod (namespace $ISTIO_NS, cluster RBAC)"
kc delete --ignore-not-found --wait=true --timeout=120s -f "$HERE/istiod.yaml" >/dev/null
say "deleting istio-ca-root-cert ConfigMaps"
kc get configmaps -A --field-selector=metadata.name=istio-ca-root-cert \
  -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}' |
  while read -r ns; do
    [[ -n $ns ]] && kc -n "$ns" delete configmap istio-ca-root-cert --ignore-not-found >/dev/null
  done
crds=$CACHE/crd-all.gen.yaml
[[ -f $crds ]] || crds=$ISTIO_SRC/manifests/charts/base/files/crd-all.gen.yaml
say "deleting Istio CRDs"
kc delete --ignore-not-found --wait=true --timeout=120s -f "$crds" >/dev/null
left=$(kc get configmaps -A --field-selector=metadata.name=istio-ca-root-cert -o name | wc -l)
[[ $left == 0 ]] || die "$left istio-ca-root-cert ConfigMaps remain"
kc get namespace "$ISTIO_NS" >/dev/null 2>&1 && die "namespace $ISTIO_NS remains"
say "istiod removed"
