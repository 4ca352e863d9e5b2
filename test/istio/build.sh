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

# --- images ---------------------------------------------------------------------------------------
# Built with the test cluster's own mkimg tool (one layer), each rebuilt when its binary changed.
#   istiod:      /pilot-discovery, plus the empty /tmp and /var/lib/istio it writes to;
#   istio-agent: /usr/local/bin/pilot-agent (the injected istio-proxy container runs `pilot-agent
#                proxy sidecar`, and its postStart hook `pilot-agent wait`, found on the default PATH),
#                plus the directories the injection template mounts volumes on.
(cd "$HERE/../cluster/mkimg" && go build -trimpath -o "$IMG/.mkimg" .)
# mkimage NAME REF BINARY PATH-IN-IMAGE DIR...: packs BINARY at PATH-IN-IMAGE with the empty DIRs.
mkimage() {
  local name=$1 ref=$2 bin=$3 at=$4 sum root
  shift 4
  sum=$(sha256sum "$bin" | cut -c1-16)
  if [[ "$(cat "$IMG/.$name.sum" 2>/dev/null)" == "$sum" && -s $IMG/$name.tar ]]; then
    say "image cached: $IMG/$name.tar"
    return
  fi
  root=$(mktemp -d)
  mkdir -p "$root/tmp" "$root$(dirname "$at")"
  chmod 1777 "$root/tmp"
  for d in "$@"; do mkdir -p "$root$d"; done
  cp "$bin" "$root$at"
  "$IMG/.mkimg" -dir "$root" -tag "$ref" -entrypoint "$at" -o "$IMG/.$name.tar"
  rm -rf "$root"
  mv "$IMG/.$name.tar" "$IMG/$name.tar"
  echo "$sum" >"$IMG/.$name.sum"
  say "image $ref: $IMG/$name.tar ($(du -h "$IMG/$name.tar" | cut -f1))"
}
mkimage istiod "$ISTIOD_IMAGE" "$BIN/pilot-discovery" /pilot-discovery /var/lib/istio /etc/istio/config
if [[ -z ${SKIP_AGENT:-} ]]; then
  mkimage istio-agent "$AGENT_IMAGE" "$BIN/pilot-agent" /usr/local/bin/pilot-agent \
    /etc/istio/proxy /etc/istio/pod /var/lib/istio/data /var/run/secrets/istio /var/run/secrets/tokens
fi

# load_image NAME REF: loads the image into the cluster's containerd unless it holds this build already.
load_image() {
  local name=$1 ref=$2 sum
  sum=$(cat "$IMG/.$name.sum")
  if ctr -a "$CONTAINERD_SOCK" -n k8s.io images ls -q | grep -qx "$ref" &&
    [[ "$(cat "$IMG/.$name.imported" 2>/dev/null)" == "$sum" ]]; then
    say "image $ref already in containerd"
  else
    ctr -a "$CONTAINERD_SOCK" -n k8s.io images import "$IMG/$name.tar" >/dev/null
    echo "$sum" >"$IMG/.$name.imported"
    say "imported $ref into containerd (namespace k8s.io)"
  fi
}
if [[ -z ${SKIP_IMPORT:-} ]]; then
  if [[ -S $CONTAINERD_SOCK ]] && ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
    load_image istiod "$ISTIOD_IMAGE"
    [[ -n ${SKIP_AGENT:-} ]] || load_image istio-agent "$AGENT_IMAGE"
  else
    say "containerd not running at $CONTAINERD_SOCK: images not imported (up.sh imports them)"
  fi
fi
