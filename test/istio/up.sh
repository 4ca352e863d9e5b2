#!/usr/bin/env bash
# up.sh: istiod in the running test cluster (scripts/cluster up first), waiting until it is Ready.
#   1. build.sh: the binaries and image (cached) and the image's import into the cluster's containerd;
#   2. Istio's CRDs from the module (server-side apply: some are too big for the last-applied annotation),
#      waited for until Established;
#   3. istiod.yaml (namespace istio-system, ServiceAccount, RBAC, mesh ConfigMap, Deployment, Service),
#      its Deployment labelled with the version the binary reports;
#   4. waits for the Deployment's rollout (readiness = GET /ready on :8080) and checks /ready itself.
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
say "applying istiod.yaml (version $version)"
sed "s/__ISTIO_VERSION__/$version/" "$HERE/istiod.yaml" | kc apply -f - >/dev/null

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
say "istiod Ready: pod $ISTIO_NS/$pod, image $ISTIOD_IMAGE, version $version"
