#!/usr/bin/env bash
# verify.sh: end-to-end checks on the cluster from up.sh, in a namespace of their own (smp-verify,
# deleted at the end unless KEEP=1): a Deployment behind ClusterIP and NodePort Services, cAdvisor
# series and the memory limit on the cgroup, /stats/summary, a Job and its logs, exec, port-forward,
# pod -> Service and pod -> API from inside, a privileged pod, and Prometheus holding the hello
# containers' CPU and memory series with namespace/pod/container labels. Prints PASS/FAIL per check;
# exits non-zero when any failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NS=smp-verify
export KUBECONFIG=$KUBECONFIG_PATH
PROM=$(cat "$BASE/prometheus-url" 2>/dev/null || echo "http://127.0.0.1:$PROM_PORT")
pass=0
fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
k() { kc -n "$NS" "$@"; }
el() { awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$_T0}"; }
cadvisor() { curl -sk -m 5 "https://127.0.0.1:$KUBELET_PORT/metrics/cadvisor"; }

# A namespace left by an earlier run (KEEP=1, or still terminating) goes first: every check is on new objects.
if kc get ns "$NS" >/dev/null 2>&1; then
  kc delete ns "$NS" --timeout=120s >/dev/null || { bad "namespace $NS from an earlier run did not go away"; exit 1; }
fi
kc create namespace "$NS" >/dev/null
k apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers:
      - name: hello
        image: docker.io/local/hello:test
        imagePullPolicy: Never
        command: ["/hello", "-addr", "0.0.0.0:8080"]
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 2}
        resources:
          requests: {cpu: 50m, memory: 32Mi}
          limits: {cpu: 200m, memory: 64Mi}
---
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: hello-np}
spec:
  type: NodePort
  selector: {app: hello}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
EOF
if k rollout status deploy/hello --timeout=120s >/dev/null; then ok "deployment hello: 2/2 ready after $(el)s"; else
  bad "deployment hello not ready"; k get pods -o wide; fi

POD_IP=$(k get pods -l app=hello -o jsonpath='{.items[0].status.podIP}')
[ "$(curl -s -m 5 "http://$POD_IP:8080/")" = ok ] && ok "curl pod IP http://$POD_IP:8080/ -> ok" || bad "curl pod IP $POD_IP"
SVC_IP=$(k get svc hello -o jsonpath='{.spec.clusterIP}')
# kube-proxy programs new Services within about a second (minSyncPeriod 1s): retry briefly.
retry_ok() { for _ in $(seq 20); do [ "$(curl -s -m 2 "$1")" = ok ] && return 0; sleep 0.5; done; return 1; }
retry_ok "http://$SVC_IP/" && ok "curl ClusterIP http://$SVC_IP/ -> ok" || bad "curl ClusterIP $SVC_IP"
retry_ok http://127.0.0.1:30080/ && ok "curl NodePort http://127.0.0.1:30080/ -> ok" || bad "curl NodePort 127.0.0.1:30080"

# cAdvisor (fix 2): give the kubelet's housekeeping a moment to pick the containers up.
m=
for _ in $(seq 30); do
  m=$(cadvisor | grep '^container_cpu_usage_seconds_total' | grep "namespace=\"$NS\"" | grep 'container="hello"')
  [ -n "$m" ] && break
  sleep 1
done
[ -n "$m" ] && ok "cAdvisor: $(echo "$m" | wc -l) container_cpu_usage_seconds_total series with container=\"hello\"" ||
  bad "cAdvisor has no container=\"hello\" series"
mem=$(cadvisor | grep '^container_spec_memory_limit_bytes' | grep "namespace=\"$NS\"" | grep 'container="hello"' | head -1 | awk '{print $2}')
awk "BEGIN{exit !(${mem:-0} == 67108864)}" && ok "memory limit 64Mi applied to the container cgroup (container_spec_memory_limit_bytes=$mem)" ||
  bad "memory limit: got '$mem'"

# /stats/summary (fix 4), from the kubelet (the API server's node proxy refuses 127.0.0.1 addresses).
if command -v python3 >/dev/null; then
  sum=$(curl -sk -m 10 "https://127.0.0.1:$KUBELET_PORT/stats/summary" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for p in d["pods"] if p["podRef"]["namespace"] == sys.argv[1]
          for c in p.get("containers", []) if c["name"] == "hello" and c.get("memory", {}).get("workingSetBytes")))' "$NS" 2>&1)
  [ "$sum" = 2 ] && ok "kubelet /stats/summary: working-set memory for both hello containers" || bad "/stats/summary: $sum"
else
  curl -sk -m 10 "https://127.0.0.1:$KUBELET_PORT/stats/summary" | grep -q '"workingSetBytes"' &&
    ok "kubelet /stats/summary answers with workingSetBytes (python3 absent: not counted per container)" || bad "/stats/summary"
fi

# A Job to completion and its logs (fix 3: the API server reaches the kubelet by the node name).
k delete job hello --ignore-not-found >/dev/null
k apply -f - >/dev/null <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: docker.io/local/hello:test
        imagePullPolicy: Never
        command: ["/hello", "-h"]
EOF
if k wait --for=condition=complete job/hello --timeout=60s >/dev/null; then
  logs=$(k logs job/hello 2>&1)
  echo "$logs" | grep -q 'Usage of /hello' && ok "job hello Complete; kubectl logs: $(echo "$logs" | head -1)" || bad "job logs: $logs"
else bad "job hello did not complete"; fi

POD=$(k get pods -l app=hello -o jsonpath='{.items[0].metadata.name}')
out=$(k exec "$POD" -- /hello -h 2>&1)
echo "$out" | grep -q Usage && ok "kubectl exec" || bad "kubectl exec: $out"
k port-forward "pod/$POD" 18081:8080 >/dev/null 2>&1 &
PF=$!
pf=
for _ in $(seq 20); do pf=$(curl -s -m 2 http://127.0.0.1:18081/) && [ "$pf" = ok ] && break; sleep 0.5; done
[ "$pf" = ok ] && ok "kubectl port-forward" || bad "kubectl port-forward"
kill $PF 2>/dev/null
wait $PF 2>/dev/null

# In-cluster (fix 5): pod -> Service -> pod, pod -> kubernetes API with its service-account token.
k delete pod probe-svc probe-api --ignore-not-found >/dev/null
k create rolebinding probe-view --clusterrole=view --serviceaccount=$NS:default --dry-run=client -o yaml | k apply -f - >/dev/null
k run probe-svc --image=docker.io/local/probe:test --image-pull-policy=Never --restart=Never \
  --command -- /probe get "http://$SVC_IP/" >/dev/null
k run probe-api --image=docker.io/local/probe:test --image-pull-policy=Never --restart=Never \
  --command -- /probe api >/dev/null
for p in probe-svc probe-api; do
  k wait --for=jsonpath='{.status.phase}'=Succeeded pod/$p --timeout=60s >/dev/null &&
    ok "$p: $(k logs $p | head -1)" || bad "$p: $(k get pod $p -o jsonpath='{.status.phase}') $(k logs $p 2>&1 | head -3)"
done

k delete pod priv --ignore-not-found >/dev/null
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  restartPolicy: Never
  containers:
  - name: priv
    image: docker.io/local/hello:test
    imagePullPolicy: Never
    command: ["/hello", "-h"]
    securityContext: {privileged: true}
EOF
k wait --for=jsonpath='{.status.phase}'=Succeeded pod/priv --timeout=60s >/dev/null &&
  ok "privileged pod ran" || bad "privileged pod: $(k get pod priv -o jsonpath='{.status.containerStatuses[0].state}')"

# Prometheus: both running hello containers' CPU and memory, with non-empty namespace/pod/container
# (the matchers require them), and the values move (CPU is a counter; memory is above zero).
prom_count() { # query -> number of series (0 when none or on error)
  curl -s -m 5 --get "$PROM/api/v1/query" --data-urlencode "query=count($1)" |
    sed -n 's/.*"value":\[[0-9.]*,"\([0-9]*\)"\].*/\1/p' | grep . || echo 0
}
# The pods of this run only: series of deleted pods stay visible for minutes (cAdvisor's own timestamps).
pods=$(k get pods -l app=hello -o jsonpath='{.items[*].metadata.name}' | tr ' ' '|')
sel="namespace=\"$NS\",pod=~\"$pods\",container=\"hello\""
for metric in container_cpu_usage_seconds_total container_memory_working_set_bytes; do
  n=0
  for _ in $(seq 30); do
    n=$(prom_count "$metric{$sel}>0")
    [ "$n" -ge 2 ] && break
    sleep 1
  done
  if [ "$n" -ge 2 ]; then
    ex=$(curl -s -m 5 --get "$PROM/api/v1/query" --data-urlencode "query=$metric{$sel}" | grep -o '"metric":{[^}]*}' | head -1 |
      grep -o -e '"namespace":"[^"]*"' -e '"pod":"[^"]*"' -e '"container":"[^"]*"' | tr '\n' ' ')
    ok "Prometheus $PROM: $n series $metric{$sel}, e.g. labels $ex"
  else
    bad "Prometheus $PROM: $n series $metric{$sel} with a value above 0 (want 2)"
  fi
done
n=$(prom_count "rate(container_cpu_usage_seconds_total{$sel}[10s])")
[ "$n" -ge 2 ] && ok "Prometheus: rate() over 10 s of hello CPU defined for $n containers (1 s scrapes)" ||
  bad "Prometheus: rate(container_cpu_usage_seconds_total[10s]) has $n series (want 2)"

echo "$pass passed, $fail failed"
if [ "${KEEP:-0}" != 1 ]; then
  kc delete namespace "$NS" --wait=false >/dev/null 2>&1
fi
[ "$fail" = 0 ]
