#!/usr/bin/env bash
# build.sh: istiod (pilot-discovery) and pilot-agent from Istio's own Go source, fetched through the
# Go module proxy (the version is pinned in this directory's go.mod, its own module, not smp's), and
# the image istiod:smp-test (one layer, entrypoint /pilot-discovery) imported into the test cluster's
# containerd when that is running. Idempotent: each step is skipped when its output is already there.
#
#   test/istio/build.sh            # binaries into $CACHE/bin, image tarball into $CACHE/images
#
# $CACHE = ${SMP_ISTIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smp-istio/<module version>}.
# REBUILD=1 rebuilds the binaries; SKIP_AGENT=1 builds istiod only; SKIP_IMPORT=1 leaves containerd alone.
# The log of every go build goes to $CACHE/build.log.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

mkdir -p "$BIN" "$IMG"
LOG=$CACHE/build.log
cd "$HERE"

# The version stamp, as Istio's own common/scripts/report_build_info.sh writes it, from the module:
# VERSION file + "-dev" (a master build), the commit from the pseudo-version.
[[ -d $ISTIO_SRC ]] || die "istio.io/istio is not in the module cache (go mod download failed?)"
rev=${ISTIO_MODULE_VERSION##*-}
PKG=istio.io/istio/pkg/version
LDF="-s -w -X $PKG.buildVersion=$ISTIO_VERSION -X $PKG.buildGitRevision=$rev -X $PKG.buildStatus=Clean"
LDF="$LDF -X $PKG.buildTag=$ISTIO_MODULE_VERSION -X $PKG.buildHub=local -X $PKG.buildOS=linux -X $PKG.buildArch=amd64"

# gobuild PKG TAGS: builds one Istio command into $BIN (through a temp name, so an interrupted build
# leaves nothing that looks finished), unless it is there and stamped with the same flags.
gobuild() {
  local name=${1##*/} stamp="$2 $LDF"
  if [[ -x $BIN/$name && -z ${REBUILD:-} && "$(cat "$BIN/.$name.flags" 2>/dev/null)" == "$stamp" ]]; then
    say "$name cached: $BIN/$name"
    return
  fi
  say "building $name (log: $LOG)"
  local t0=$SECONDS
  echo "=== $(date -u +%FT%TZ) go build $1 -tags=$2" >>"$LOG"
  if ! CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" nice -n 19 \
    go build -trimpath -tags="$2" -ldflags "$LDF" -o "$BIN/.$name.tmp" "$1" >>"$LOG" 2>&1; then
    tail -20 "$LOG" >&2
    die "go build $1 failed (log: $LOG)"
  fi
  mv "$BIN/.$name.tmp" "$BIN/$name"
  echo "$stamp" >"$BIN/.$name.flags"
  say "built $name in $((SECONDS - t0)) s: $("$BIN/$name" version -s 2>/dev/null || echo '?')"
}

# The tags Istio's Makefile.core.mk builds with (STANDARD_TAGS for istiod, AGENT_TAGS for the agent).
gobuild istio.io/istio/pilot/cmd/pilot-discovery vtprotobuf,disable_pgv
[[ -n ${SKIP_AGENT:-} ]] || gobuild istio.io/istio/pilot/cmd/pilot-agent agent,disable_pgv,grpcnotrace,retrynotrace

# The CRDs, from the same module, for up.sh.
cp -f "$ISTIO_SRC/manifests/charts/base/files/crd-all.gen.yaml" "$CACHE/crd-all.gen.yaml"

# --- image ----------------------------------------------------------------------------------------
# One layer: /pilot-discovery, plus the empty /tmp and /var/lib/istio it writes to. Built with the test
# cluster's own mkimg tool; rebuilt when the binary changed.
sum=$(sha256sum "$BIN/pilot-discovery" | cut -c1-16)
if [[ "$(cat "$IMG/.istiod.sum" 2>/dev/null)" != "$sum" || ! -s $IMG/istiod.tar ]]; then
  (cd "$HERE/../cluster/mkimg" && go build -trimpath -o "$IMG/.mkimg" .)
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/tmp" "$root/var/lib/istio" "$root/etc/istio/config"
  chmod 1777 "$root/tmp"
  cp "$BIN/pilot-discovery" "$root/pilot-discovery"
  "$IMG/.mkimg" -dir "$root" -tag "$ISTIOD_IMAGE" -entrypoint /pilot-discovery -o "$IMG/.istiod.tar"
  mv "$IMG/.istiod.tar" "$IMG/istiod.tar"
  echo "$sum" >"$IMG/.istiod.sum"
  say "image $ISTIOD_IMAGE: $IMG/istiod.tar ($(du -h "$IMG/istiod.tar" | cut -f1))"
else
  say "image cached: $IMG/istiod.tar"
fi

if [[ -z ${SKIP_IMPORT:-} ]]; then
  if [[ -S $CONTAINERD_SOCK ]] && ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
    if ctr -a "$CONTAINERD_SOCK" -n k8s.io images ls -q | grep -qx "$ISTIOD_IMAGE" &&
      [[ "$(cat "$IMG/.istiod.imported" 2>/dev/null)" == "$sum" ]]; then
      say "image $ISTIOD_IMAGE already in containerd"
    else
      ctr -a "$CONTAINERD_SOCK" -n k8s.io images import "$IMG/istiod.tar" >/dev/null
      echo "$sum" >"$IMG/.istiod.imported"
      say "imported $ISTIOD_IMAGE into containerd (namespace k8s.io)"
    fi
  else
    say "containerd not running at $CONTAINERD_SOCK: image not imported (up.sh imports it)"
  fi
fi
