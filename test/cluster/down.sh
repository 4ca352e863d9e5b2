#!/usr/bin/env bash
# down.sh: stop the cluster started by up.sh (by its PID files, never by process name) and remove what it
# left on the host: pod sandboxes (CNI DEL), mounts under the cluster dir, KUBE-/CNI- iptables rules, the
# bridge cni0, and the cluster dir itself (KEEP=1 keeps it, e.g. for the logs). Safe to run twice.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

stop() {  # SIGTERM every named component, wait up to 15 s, then SIGKILL
  local pids=() n p f
  for n in "$@"; do
    f=$BASE/pids/$n
    if [ -f "$f" ]; then
      p=$(cat "$f")
      [ -n "$p" ] && kill -0 "$p" 2>/dev/null && pids+=("$p")
      rm -f "$f"
    fi
  done
  [ ${#pids[@]} = 0 ] && return 0
  kill "${pids[@]}" 2>/dev/null
  for _ in $(seq 60); do
    local any=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && any=1; done
    [ $any = 0 ] && break
    sleep 0.25
  done
  kill -9 "${pids[@]}" 2>/dev/null
  say "stopped $*"
}

"$HERE/prometheus.sh" down
stop kube-proxy
[ -x "$BIN/kube-proxy" ] && "$BIN/kube-proxy" --cleanup >/dev/null 2>&1  # kube-proxy's iptables rules
stop kubelet kube-scheduler kube-controller-manager kube-apiserver
stop etcd
# Stop and remove every pod sandbox (runs CNI DEL: veths, IPAM, portmap rules), then containerd —
# only when the containerd on the socket is ours.
if [ -f "$BASE/pids/containerd" ] && alive containerd && [ -x "$BIN/crictl" ] && [ -S $SOCK ]; then
  timeout 60 "$BIN/crictl" --runtime-endpoint unix://$SOCK rmp -fa >/dev/null 2>&1
  say "pod sandboxes removed"
fi
stop containerd
# Containers' shims (containerd-shim-runc-v2) outlive containerd; they and their containers hold
# mounts. Ask runc to kill what is left in our state dir.
if [ -d /run/containerd/runc/k8s.io ]; then
  for id in $(runc --root /run/containerd/runc/k8s.io list -q 2>/dev/null); do
    runc --root /run/containerd/runc/k8s.io delete -f "$id" >/dev/null 2>&1
  done
fi
# Unmount what pods left under $BASE (projected token tmpfs, shm, rootfs overlays), deepest first.
grep -o " $BASE/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
# Rules the kubelet, kube-proxy and CNI portmap created (chains KUBE-*, CNI-*); others are kept.
for t in iptables ip6tables; do
  command -v $t-save >/dev/null || continue
  if $t-save | grep -q -e 'KUBE-' -e 'CNI-'; then
    $t-save | grep -v -e 'KUBE-' -e 'CNI-' | $t-restore 2>/dev/null
  fi
done
ip link del cni0 2>/dev/null
[ "${KEEP:-0}" = 1 ] || rm -rf "$BASE"
say "down"
