#!/usr/bin/env bash
# down.sh: removes everything up.sh and istiod created in the test cluster: istiod.yaml's objects
# (namespace istio-system with all in it, the ClusterRole and ClusterRoleBinding), the sidecar
# injector's MutatingWebhookConfiguration, the Istio CRDs
# (and so every Istio resource), and the ConfigMaps istiod published in every namespace
# (istio-ca-root-cert, istio-ca-crl). A no-op when the cluster is down (it keeps nothing) or when
# istiod was never installed.
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
kc delete --ignore-not-found mutatingwebhookconfiguration istio-sidecar-injector >/dev/null
kc delete --ignore-not-found --wait=true --timeout=120s -f "$HERE/istiod.yaml" >/dev/null
# What istiod publishes in every namespace (its CA's root certificate and revocation list).
published="istio-ca-root-cert istio-ca-crl"
# published_in NAME: the namespaces holding a ConfigMap NAME.
published_in() {
  kc get configmaps -A --field-selector="metadata.name=$1" \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}'
}
say "deleting the ConfigMaps istiod published ($published)"
for name in $published; do
  published_in "$name" | while read -r ns; do
    [[ -z $ns ]] || kc -n "$ns" delete configmap "$name" --ignore-not-found >/dev/null
  done
done
crds=$CACHE/crd-all.gen.yaml
[[ -f $crds ]] || crds=$ISTIO_SRC/manifests/charts/base/files/crd-all.gen.yaml
say "deleting Istio CRDs"
kc delete --ignore-not-found --wait=true --timeout=120s -f "$crds" >/dev/null
for name in $published; do
  left=$(published_in "$name" | grep -c . || true)
  [[ $left == 0 ]] || die "$left ConfigMaps $name remain"
done
kc get namespace "$ISTIO_NS" >/dev/null 2>&1 && die "namespace $ISTIO_NS remains"
say "istiod removed"
