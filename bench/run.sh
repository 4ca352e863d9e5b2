#!/usr/bin/env bash
# Benchmarks smp's load generator against wrk and fortio, side by side in
# one run: nginx (1 worker) pinned to CPU 0, each generator pinned to CPU 1,
# 16 connections. Installs the peers the project's way (Debian wrk and
# nginx, fortio from the Go module proxy into bench/.tools). Writes the
# markdown table to stdout; progress to stderr.
#   bench/run.sh [-runs 5] [-duration 10s] [-rate 50000]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/bench/.tools"
mkdir -p "$tools"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# fortio newer than v1.66.5 needs a module the proxy refuses.
[ -x "$tools/fortio" ] || GOBIN="$tools" go install fortio.org/fortio@v1.66.5
go build -o "$tools/smp" ./cmd/smp
go build -o "$tools/peers" ./bench/peers

exec "$tools/peers" -smp "$tools/smp" -fortio "$tools/fortio" -wrk "$(command -v wrk)" -nginx "$(command -v nginx)" "$@"
