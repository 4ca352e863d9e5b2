#!/usr/bin/env bash
# prometheus.sh up|down|status: the cluster's Prometheus (the Debian package's binary), on
# 127.0.0.1:$SMP_PROMETHEUS_PORT (default 9090), data under $SMP_CLUSTER_DIR/prometheus, scraping every
# second the kubelet's cAdvisor endpoint (https://127.0.0.1:10250/metrics/cadvisor; the kubelet allows
# anonymous reads on 127.0.0.1), so container_cpu_usage_seconds_total and
# container_memory_working_set_bytes carry namespace, pod and container labels.
# up.sh runs "up" last and down.sh runs "down" first; the URL is written to $SMP_CLUSTER_DIR/prometheus-url.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DIR=$BASE/prometheus
URL=http://127.0.0.1:$PROM_PORT

up() {
  if alive prometheus && curl -sf -m 2 "$URL/-/ready" >/dev/null; then
    say "prometheus already up at $URL"
    return 0
  fi
  down >/dev/null
  command -v prometheus >/dev/null || die "missing prometheus: run test/cluster/build.sh"
  mkdir -p "$DIR/data" "$BASE/logs" "$BASE/pids"
  cat >"$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
- job_name: cadvisor
  scheme: https
  metrics_path: /metrics/cadvisor
  tls_config: {insecure_skip_verify: true}   # the kubelet's self-signed serving certificate
  static_configs:
  - targets: ["127.0.0.1:$KUBELET_PORT"]
    labels: {node: "$NODE"}
EOF
  setsid prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$PROM_PORT" \
    >"$BASE/logs/prometheus.log" 2>&1 </dev/null &
  echo $! >"$BASE/pids/prometheus"
  for _ in $(seq 60); do
    curl -sf -m 2 "$URL/-/ready" >/dev/null 2>&1 && break
    alive prometheus || die "prometheus exited: $(tail -3 "$BASE/logs/prometheus.log")"
    sleep 0.5
  done
  curl -sf -m 2 "$URL/-/ready" >/dev/null || die "prometheus not ready at $URL (log: $BASE/logs/prometheus.log)"
  echo "$URL" >"$BASE/prometheus-url"
  say "prometheus up at $URL"
}

down() {
  local p
  p=$(cat "$BASE/pids/prometheus" 2>/dev/null) || return 0
  kill "$p" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$p" 2>/dev/null || true
  rm -f "$BASE/pids/prometheus" "$BASE/prometheus-url"
  say "prometheus stopped"
}

case "${1:-}" in
up) up ;;
down) down ;;
status)
  if alive prometheus && curl -sf -m 2 "$URL/-/ready" >/dev/null; then echo "prometheus up at $URL"; else
    echo "prometheus down"; exit 1; fi ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
