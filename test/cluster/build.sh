#!/usr/bin/env bash
# build.sh: everything the test cluster needs, idempotently (a second run takes seconds):
#   1. Debian packages: containerd runc containernetworking-plugins iptables etcd-server prometheus
#      (apt-get update + install only when one is missing; services are not started by apt).
#   2. Kubernetes v1.34.4 binaries (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
#      kube-proxy, kubectl) from the Go module in k8s-bin/, plus crictl, into the cache dir
#      ${XDG_CACHE_HOME:-$HOME/.cache}/smp-cluster/v1.34.4/bin; skipped when the binaries are there.
#   3. Images (one-layer OCI tarballs, no Docker): pause (the sandbox image), hello and probe (used by
#      verify.sh), into <cache dir>/images; rebuilt only when their sources changed.
# Environment: SMP_CLUSTER_CACHE overrides the cache dir; REBUILD=1 rebuilds the Kubernetes binaries;
# SKIP_APT=1 skips the package step. Must run as root for the package step.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

# --- 1. Debian packages ---------------------------------------------------------------------------
if [ "${SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    # No service may start during the install (no systemd here; init scripts would start containerd
    # and prometheus with their default configs). policy-rc.d exit 101 = "action forbidden".
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    trap '[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    say "installed ${missing[*]}"
  else
    say "packages present: $APT_PACKAGES"
  fi
fi

# --- 2. Kubernetes binaries -----------------------------------------------------------------------
mkdir -p "$BIN" "$IMG"
# Version stamp: unstamped builds report v0.0.0-master+$Format:%H$, which breaks client version checks.
LDF="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
LDF="$LDF -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean"
LDF="$LDF -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
LDF="$LDF -X k8s.io/client-go/pkg/version.gitMinor=34 -s -w"
todo=()
for c in $K8S_COMPONENTS; do
  [[ -x $BIN/$c && -z ${REBUILD:-} ]] || todo+=("./cmd/$c")
done
if [ ${#todo[@]} -gt 0 ]; then
  say "building ${todo[*]} (cold: several minutes on 2 cores)"
  tmp=$(mktemp -d "$BIN/.build.XXXXXX")
  # One go build for all: the packages they share compile once. Into a temp dir, then moved, so an
  # interrupted build never leaves a binary that looks complete.
  (cd "$HERE/k8s-bin" && GOFLAGS="${GOFLAGS:-} -p=2 -mod=readonly" go build -trimpath -ldflags "$LDF" -o "$tmp/" "${todo[@]}")
  mv "$tmp"/* "$BIN/" && rmdir "$tmp"
  say "built into $BIN"
else
  say "Kubernetes binaries cached in $BIN"
fi
if [ ! -x "$BIN/crictl" ]; then  # crictl: down.sh removes pod sandboxes with it (runs CNI DEL)
  GOBIN=$BIN GOFLAGS="${GOFLAGS:-} -p=2" go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  say "crictl $CRICTL_VERSION installed"
fi

# --- 3. images ------------------------------------------------------------------------------------
# Sources' hash decides whether the tarballs are current (mtimes change with every clone).
src_hash=$(cd "$HERE" && find mkimg pause hello probe -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
if [ "$(cat "$IMG/.source-hash" 2>/dev/null)" != "$src_hash" ] || ! ls "$IMG"/{pause,hello,probe}.tar >/dev/null 2>&1; then
  (cd "$HERE/mkimg" && go build -trimpath -o "$IMG/.mkimg" .)
  image() { # name tag entrypoint
    local root=$IMG/$1/rootfs
    rm -rf "$IMG/$1" && mkdir -p "$root"
    (cd "$HERE/$1" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$root/${3#/}" .)
    "$IMG/.mkimg" -dir "$root" -tag "$2" -entrypoint "$3" -o "$IMG/$1.tar"
    rm -rf "${IMG:?}/$1"
  }
  image pause "$PAUSE_IMAGE" /pause
  image hello docker.io/local/hello:test /hello
  image probe docker.io/local/probe:test /probe
  echo "$src_hash" >"$IMG/.source-hash"
  say "images built: $(cd "$IMG" && echo *.tar)"
else
  say "images cached in $IMG"
fi
