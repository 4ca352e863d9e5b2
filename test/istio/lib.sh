# lib.sh: settings shared by build.sh, up.sh and down.sh (sourced, not run).
#   SMP_ISTIO_CACHE  built binaries, image tarball and CRDs
#                    (default ${XDG_CACHE_HOME:-$HOME/.cache}/smp-istio/<module version>)
# The Istio version is the one this directory's go.mod requires (istio.io/istio, a master pseudo-version).
# go list downloads the module (through the Go module proxy) when it is not in the module cache.
(cd "$(dirname "${BASH_SOURCE[0]}")" && go mod download istio.io/istio)
read -r ISTIO_MODULE_VERSION ISTIO_SRC < <(cd "$(dirname "${BASH_SOURCE[0]}")" && go list -m -f '{{.Version}} {{.Dir}}' istio.io/istio)
# The module's VERSION file (1.31) + "-dev", as Istio stamps builds of master.
ISTIO_VERSION=$(cat "$ISTIO_SRC/VERSION")-dev
ISTIOD_IMAGE=docker.io/library/istiod:smp-test
AGENT_IMAGE=docker.io/library/istio-agent:smp-test   # pilot-agent, the injected istio-proxy container
ISTIO_NS=istio-system
CONTAINERD_SOCK=/run/containerd/containerd.sock   # the test cluster's containerd (fixed socket)

CACHE=${SMP_ISTIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smp-istio/$ISTIO_MODULE_VERSION}
BIN=$CACHE/bin
IMG=$CACHE/images

_T0=$(date +%s.%N)
say() { echo "[$(awk "BEGIN{printf \"%6.1f\", $(date +%s.%N)-$_T0}")s] $*"; }
die() { echo "$(basename "$0"): $*" >&2; exit 1; }
