#!/usr/bin/env bash
# Benchmarks smp's load generator against wrk, fortio, hey and vegeta, side
# by side in one run: nginx (1 worker) pinned to CPU 0, each generator
# pinned to CPU 1, 16 connections. Installs the peers the project's way:
# Debian packages for wrk, hey and nginx; Go tools from the Go module proxy
# into bench/.tools (fortio, vegeta). Writes the markdown tables to stdout;
# progress to stderr.
#   bench/run.sh [-runs 5] [-duration 10s] [-rate 50000] [-generators smp-uring,wrk]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/bench/.tools"
mkdir -p "$tools"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v hey >/dev/null 2>&1 || need+=(hey)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# goinstall MODULE VERSION BIN installs MODULE@VERSION into bench/.tools
# unless the binary there was already built from that version.
goinstall() {
  if ! go version -m "$tools/$3" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$1[[:space:]]+$2[[:space:]]"; then
    GOBIN="$tools" go install "$1@$2"
  fi
}
# fortio newer than v1.66.5 needs a module the proxy refuses.
goinstall fortio.org/fortio v1.66.5 fortio
# vegeta: the newest v12 the module proxy serves; v12.8 and later have the
# closed-loop "max" mode (-rate 0 with -max-workers).
goinstall github.com/tsenart/vegeta/v12 v12.13.0 vegeta
go build -o "$tools/smp" ./cmd/smp
go build -o "$tools/peers" ./bench/peers

# deb TOOL names the Debian package version TOOL came from.
deb() {
  local v
  if v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) && [ -n "$v" ]; then echo "$1 $v (Debian)"; else echo "$1 (not from a Debian package)"; fi
}
versions="$(deb wrk), fortio v1.66.5, $(deb hey), vegeta v12.13.0"

exec "$tools/peers" -smp "$tools/smp" -wrk "$(command -v wrk)" -fortio "$tools/fortio" -hey "$(command -v hey)" \
  -vegeta "$tools/vegeta" -nginx "$(command -v nginx)" -versions "$versions" "$@"
