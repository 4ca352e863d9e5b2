#!/usr/bin/env bash
# Measures the frontier of CPU per request against arrival evenness: smp
# (event loop on epoll and on io_uring, each also with send tolerances of
# 200us and 1ms; goroutine per connection), fortio and vegeta, each
# pinned to CPU 1 with 16 connections, sending to bench/frontier's own
# recording server on CPU 0, which counts arrivals per 1 ms window. Holds
# the machine lock (/tmp/smp-cpu.lock) for the whole run. Installs the
# generators the way bench/run.sh does (Go tools from the Go module proxy
# into bench/.tools). Writes the markdown table to stdout, the chart to
# -svg (default frontier.svg), progress to stderr.
#   bench/frontier.sh [-runs 5] [-duration 10s] [-rates 10000,25000,40000,50000] [-svg FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/bench/.tools"
mkdir -p "$tools"

# goinstall MODULE VERSION BIN installs MODULE@VERSION into bench/.tools
# unless the binary there was already built from that version.
goinstall() {
  if ! go version -m "$tools/$3" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$1[[:space:]]+$2[[:space:]]"; then
    GOBIN="$tools" go install "$1@$2"
  fi
}
# fortio newer than v1.66.5 needs a module the proxy refuses.
goinstall fortio.org/fortio v1.66.5 fortio
goinstall github.com/tsenart/vegeta/v12 v12.13.0 vegeta
go build -o "$tools/smp" ./cmd/smp
go build -o "$tools/frontier" ./bench/frontier

echo "fortio v1.66.5, vegeta v12.13.0, smp $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" >&2
exec flock /tmp/smp-cpu.lock "$tools/frontier" -smp "$tools/smp" -fortio "$tools/fortio" -vegeta "$tools/vegeta" "$@"
