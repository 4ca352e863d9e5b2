#!/usr/bin/env bash
# up.sh: istiod in the running test cluster (scripts/cluster up first), waiting until it is Ready.
#   1. build.sh: the binaries and image (cached) and the image's import into the cluster's containerd;
#   2. Istio's CRDs from the module (server-side apply: some are too big for the last-applied annotation),
#      waited for until Established;
#   3. istiod.yaml (namespace istio-system, ServiceAccount, RBAC, mesh ConfigMap, Deployment, Service),
#      its Deployment labelled with the version the binary reports, and the sidecar injector's
#      ConfigMap and MutatingWebhookConfiguration (injector/, from the module's chart);
#   4. waits for the Deployment's rollout (readiness = GET /ready on :8080) and checks /ready itself;
#   5. waits until istiod has put its CA into the webhook's caBundle (injection works from then on).
# ISTIO_UP_TIMEOUT (seconds, default 180) bounds the wait; on timeout it prints the pod's state and log.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
TIMEOUT=${ISTIO_UP_TIMEOUT:-180}

env_out=$("$REPO/scripts/cluster" env) || die "no test cluster: run scripts/cluster up first"
eval "$env_out"
kc() { "$SMP_KUBECTL" "$@"; }
kc get --raw /readyz >/dev/null || die "the test cluster's API server is not ready (scripts/cluster status)"

"$HERE/build.sh"
ctr -a "$CONTAINERD_SOCK" -n k8s.io images ls -q | grep -qx "$ISTIOD_IMAGE" ||
  die "image $ISTIOD_IMAGE is not in the cluster's containerd (build.sh could not import it)"

say "applying Istio CRDs ($ISTIO_MODULE_VERSION)"
kc apply --server-side --force-conflicts --field-manager=smp-test-istio -f "$CACHE/crd-all.gen.yaml" >/dev/null
kc wait --for=condition=Established --timeout=60s -f "$CACHE/crd-all.gen.yaml" >/dev/null

version=$("$BIN/pilot-discovery" version -s 2>/dev/null | sed -n 's/^client version: //p')
[[ -n $version && $version != unknown ]] || die "pilot-discovery reports no version (built unstamped?)"
say "applying istiod.yaml (version $version) and the sidecar injector's configuration"
injector=$CACHE/injector.yaml
(cd "$HERE" && go run ./injector -src "$ISTIO_SRC" -proxy-image "$AGENT_IMAGE" -namespace "$ISTIO_NS") >"$injector.tmp"
mv "$injector.tmp" "$injector"
# The namespace first, then the injector's ConfigMap (istiod reads it when it starts), then istiod.
# (istiod.yaml's Namespace is its only object with the managed-by label.)
kc apply -f "$HERE/istiod.yaml" -l app.kubernetes.io/managed-by=smp-test-istio >/dev/null
kc apply -f "$injector" >/dev/null
kc apply -f "$HERE/istiod.yaml" -l smp-test-istio/object=service >/dev/null
ip=$(kc -n "$ISTIO_NS" get service istiod -o jsonpath='{.spec.clusterIP}')
[[ -n $ip ]] || die "service $ISTIO_NS/istiod has no ClusterIP"
sed "s/__ISTIO_VERSION__/$version/; s/__ISTIOD_IP__/$ip/" "$HERE/istiod.yaml" | kc apply -f - >/dev/null

say "waiting up to ${TIMEOUT}s for istiod to be Ready"
if ! kc -n "$ISTIO_NS" rollout status deployment/istiod --timeout="${TIMEOUT}s" >/dev/null; then
  kc -n "$ISTIO_NS" get pods -o wide >&2 || true
  kc -n "$ISTIO_NS" describe pods -l app=istiod | tail -25 >&2 || true
  kc -n "$ISTIO_NS" logs deployment/istiod --tail=40 >&2 || true
  die "istiod not Ready within ${TIMEOUT}s"
fi
pod=$(kc -n "$ISTIO_NS" get pods -l app=istiod --field-selector=status.phase=Running \
  -o jsonpath='{.items[0].metadata.name}')
ready=$(kc get --raw "/api/v1/namespaces/$ISTIO_NS/pods/$pod:8080/proxy/ready" 2>&1) ||
  die "GET $pod:8080/ready failed: $ready"
for _ in $(seq 60); do
  ca=$(kc get mutatingwebhookconfiguration istio-sidecar-injector -o jsonpath='{.webhooks[0].clientConfig.caBundle}')
  [[ -z $ca ]] || break
  sleep 0.5
done
[[ -n $ca ]] || die "istiod did not fill in the injection webhook's caBundle within 30 s (log: kubectl -n $ISTIO_NS logs deploy/istiod)"
say "istiod Ready: pod $ISTIO_NS/$pod, image $ISTIOD_IMAGE, version $version"
