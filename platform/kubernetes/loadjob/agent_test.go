package loadjob

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// agentPod is a client pod with an injected agent container that keeps
// running: phase, and the worker's state (nil: not started; exit < 0:
// running; else terminated with that code).
func agentPod(name string, phase corev1.PodPhase, exit *int32) corev1.Pod {
	agent := corev1.ContainerStatus{Name: "istio-proxy", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Phase: phase,
		ContainerStatuses: []corev1.ContainerStatus{agent}}}
	if exit != nil {
		w := corev1.ContainerStatus{Name: Container}
		if *exit < 0 {
			w.State.Running = &corev1.ContainerStateRunning{}
		} else {
			w.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: *exit}
		}
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, w)
	}
	return p
}

func code(n int32) *int32 { return &n }

// A client is done when its pod succeeded or its worker exited 0 while an
// agent keeps the pod running; it failed when its worker exited non-zero,
// even with the pod still running.
func TestWorkerDoneWithAgent(t *testing.T) {
	tests := []struct {
		name         string
		pod          corev1.Pod
		done, failed bool
	}{
		{"succeeded", agentPod("succeeded", corev1.PodSucceeded, code(0)), true, false},
		{"succeeded, no statuses", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, true, false},
		{"worker exited 0, agent running", agentPod("exit0", corev1.PodRunning, code(0)), true, false},
		{"worker exited 1, agent running", agentPod("exit1", corev1.PodRunning, code(1)), false, true},
		{"worker running", agentPod("running", corev1.PodRunning, code(-1)), false, false},
		{"worker not started", agentPod("pending", corev1.PodPending, nil), false, false},
		{"pod failed", agentPod("failed", corev1.PodFailed, code(2)), false, true},
	}
	for _, tt := range tests {
		if got := workerDone(&tt.pod); got != tt.done {
			t.Errorf("%s: workerDone %v, want %v", tt.name, got, tt.done)
		}
		if got := len(failedPods([]corev1.Pod{tt.pod})) == 1; got != tt.failed {
			t.Errorf("%s: failed %v, want %v", tt.name, got, tt.failed)
		}
	}
	p := agentPod("exit1", corev1.PodRunning, code(1))
	if s := state(&p); !strings.Contains(s, "exit code 1") {
		t.Errorf("state %q", s)
	}
}

// agentKubelet plays the Job controller and kubelet for client pods that
// keep running after their worker exits (an injected agent container):
// the Job never completes nor counts a success. Each pod's worker runs
// first, then exits with exit(i) after delay; logs(i) is its log.
func agentKubelet(t *testing.T, ctx context.Context, cs *fake.Clientset, logs *fakeLogs, delay time.Duration, exit func(i int) int32, log func(i int) []byte) (exited *atomic.Bool) {
	t.Helper()
	exited = &atomic.Bool{}
	go func() {
		var job *batchv1.Job
		for job == nil {
			list, _ := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
			if len(list.Items) > 0 {
				job = &list.Items[0]
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		n := int(*job.Spec.Completions)
		pods := make([]*corev1.Pod, n)
		for i := range n {
			name := fmt.Sprintf("%s-%d-x", job.Name, i)
			p := agentPod(name, corev1.PodRunning, code(-1))
			p.Namespace, p.Labels, p.Spec = ns, job.Spec.Template.Labels, job.Spec.Template.Spec
			p.Annotations = map[string]string{indexAnnotation: fmt.Sprint(i)}
			logs.mu.Lock()
			logs.logs[name] = log(i)
			logs.mu.Unlock()
			got, err := cs.CoreV1().Pods(ns).Create(ctx, &p, metav1.CreateOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			pods[i] = got
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		exited.Store(true)
		for i, p := range pods {
			p = p.DeepCopy()
			for k := range p.Status.ContainerStatuses {
				if p.Status.ContainerStatuses[k].Name == Container {
					p.Status.ContainerStatuses[k].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit(i), Reason: "Completed"}}
				}
			}
			if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
				t.Error(err)
			}
		}
	}()
	return exited
}

// With an agent that keeps the pods running, the load is over when every
// worker has exited 0: the Job never completes, yet Load returns the
// merged result (and not before the workers exited).
func TestRunnerWorkersExitPodsRunning(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := fake.NewClientset()
	logs := &fakeLogs{logs: map[string][]byte{}}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	exited := agentKubelet(t, ctx, cs, logs, 200*time.Millisecond, func(int) int32 { return 0 }, func(i int) []byte {
		var b bytes.Buffer
		b.WriteString("smp worker: client\n")
		if err := WriteFrame(&b, clientResult(i, start)); err != nil {
			t.Error(err)
		}
		return b.Bytes()
	})
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 2, Logs: logs, PollInterval: 10 * time.Millisecond, JobName: "smp-load"}
	res, err := r.Load(ctx, loadSpec(t), "xds:///svc-0.ns.svc.cluster.local:80")
	if err != nil {
		t.Fatal(err)
	}
	if !exited.Load() {
		t.Error("Load returned while the workers were still running")
	}
	if res.Requests != 300 || len(res.Clients) != 2 {
		t.Fatalf("requests %d, clients %+v; want 300 from 2 clients", res.Requests, res.Clients)
	}
	for i, c := range res.Clients {
		if c.Index != i || c.Pod != fmt.Sprintf("smp-load-%d-x", i) || c.Requests != int64(100*(i+1)) {
			t.Errorf("client %d: %+v", i, c)
		}
	}
	if jobs, _ := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("jobs left: %d", len(jobs.Items))
	}
}

// A worker that exits non-zero while its agent keeps the pod running
// fails the load at once, naming the pod.
func TestRunnerWorkerFailsPodRunning(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := fake.NewClientset()
	logs := &fakeLogs{logs: map[string][]byte{}}
	agentKubelet(t, ctx, cs, logs, 50*time.Millisecond, func(i int) int32 { return int32(i) }, func(i int) []byte {
		if i == 1 {
			return []byte("smp: xds: GRPC_XDS_BOOTSTRAP is not set\n")
		}
		var b bytes.Buffer
		if err := WriteFrame(&b, clientResult(i, time.Now())); err != nil {
			t.Error(err)
		}
		return b.Bytes()
	})
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 2, Logs: logs, PollInterval: 10 * time.Millisecond}
	began := time.Now()
	_, err := r.Load(ctx, loadSpec(t), "xds:///svc-0.ns.svc.cluster.local:80")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"-1-x (index 1)", "exit code 1", "GRPC_XDS_BOOTSTRAP is not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if time.Since(began) > 10*time.Second {
		t.Errorf("the failure took %v to notice", time.Since(began))
	}
}
