package loadjob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/spec"
)

const ns = "smp-test"

// fakeLogs serves logs by pod name.
type fakeLogs struct {
	mu   sync.Mutex
	logs map[string][]byte
}

func (f *fakeLogs) Logs(_ context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.logs[pod.Name]
	if !ok {
		return nil, errors.New("no such log")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// clientResult is what client i of a fake run measured: 100·(i+1)
// requests with latencies i+1..i+100 ms.
func clientResult(i int, start time.Time) *record.Result {
	r := record.NewResult()
	r.Start, r.End = start, start.Add(4*time.Second)
	n := 100 * (i + 1)
	r.Requests, r.Sent, r.StatusCodes[200] = int64(n), int64(n), int64(n)
	for k := range n {
		r.Latency.Record(time.Duration(i+1+k%100) * time.Millisecond)
		r.Uncorrected.Record(time.Millisecond)
		r.SendLag.Record(time.Duration(i+1) * time.Microsecond)
	}
	r.RequestedRate = 100
	self := record.ShareOf(r)
	self.Index, self.StartLate = i, time.Duration(i)*time.Millisecond
	r.Clients = []record.ClientShare{self}
	return r
}

// kubelet plays the Job controller and kubelet for the fake clientset:
// once the Job exists it makes its pods with phase (per index) and the
// Job's status to match, and their logs.
func kubelet(t *testing.T, ctx context.Context, cs *fake.Clientset, logs *fakeLogs, phase func(i int) corev1.PodPhase, log func(i int) []byte) <-chan *batchv1.Job {
	t.Helper()
	made := make(chan *batchv1.Job, 1)
	go func() {
		defer close(made)
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
		var ok, failed int32
		for i := range int(*job.Spec.Completions) {
			name := fmt.Sprintf("%s-%d-x", job.Name, i)
			ph := phase(i)
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: job.Spec.Template.Labels,
					Annotations: map[string]string{indexAnnotation: fmt.Sprint(i)}},
				Spec: job.Spec.Template.Spec,
				Status: corev1.PodStatus{Phase: ph, ContainerStatuses: []corev1.ContainerStatus{{Name: Container,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: map[bool]int32{true: 0, false: 2}[ph == corev1.PodSucceeded], Reason: "Error"}}}}},
			}
			logs.mu.Lock()
			logs.logs[name] = log(i)
			logs.mu.Unlock()
			if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				t.Error(err)
			}
			if ph == corev1.PodSucceeded {
				ok++
			} else {
				failed++
			}
		}
		job.Status.Succeeded, job.Status.Failed = ok, failed
		// The Runner may have seen a failed pod and deleted the Job already.
		if _, err := cs.BatchV1().Jobs(ns).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Error(err)
		}
		made <- job
	}()
	return made
}

func loadSpec(t *testing.T) *spec.Test {
	return testSpec(t, "  connections: 6\n  rate: 300\n  duration: 5s\n  warmup: 1s\n")
}

func TestRunnerMergesClients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := fake.NewClientset()
	logs := &fakeLogs{logs: map[string][]byte{}}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pooled := hist.New()
	made := kubelet(t, ctx, cs, logs, func(int) corev1.PodPhase { return corev1.PodSucceeded }, func(i int) []byte {
		var b bytes.Buffer
		b.WriteString("smp worker: client\n")
		r := clientResult(i, start.Add(time.Duration(i)*time.Millisecond))
		pooled.Merge(r.Latency)
		if err := WriteFrame(&b, r); err != nil {
			t.Error(err)
		}
		return b.Bytes()
	})
	always := corev1.ContainerRestartPolicyAlways
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 3, Logs: logs, PollInterval: 10 * time.Millisecond,
		Labels: map[string]string{"smp.dev/run": "r1"},
		PodMutator: func(pt *corev1.PodTemplateSpec) {
			pt.Spec.InitContainers = append(pt.Spec.InitContainers, corev1.Container{Name: "sidecar", RestartPolicy: &always})
		}}
	res, err := r.Load(ctx, loadSpec(t), "http://entry:8080/")
	if err != nil {
		t.Fatal(err)
	}
	job := <-made
	if ic := job.Spec.Template.Spec.InitContainers; len(ic) != 1 || ic[0].Name != "sidecar" {
		t.Errorf("the pod mutator's sidecar is not in the Job: %+v", ic)
	}
	if args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(args, "--target http://entry:8080/ --clients 3 --start ") {
		t.Errorf("worker args %q", args)
	}
	if res.Requests != 600 || res.Latency.Count() != 600 || pooled.Count() != 600 {
		t.Errorf("requests %d, latency count %d, pooled %d; want 600", res.Requests, res.Latency.Count(), pooled.Count())
	}
	for _, p := range []float64{50, 99} {
		if res.Latency.Quantile(p) != pooled.Quantile(p) {
			t.Errorf("p%v merged %v, pooled %v", p, res.Latency.Quantile(p), pooled.Quantile(p))
		}
	}
	if res.RequestedRate != 300 || len(res.Clients) != 3 {
		t.Fatalf("requested %v, clients %+v", res.RequestedRate, res.Clients)
	}
	for i, c := range res.Clients {
		if c.Index != i || !strings.HasSuffix(c.Pod, fmt.Sprintf("-%d-x", i)) || c.Requests != int64(100*(i+1)) || c.StartLate != time.Duration(i)*time.Millisecond {
			t.Errorf("client %d: %+v", i, c)
		}
	}
	// Cleaned up.
	if jobs, _ := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("jobs left: %d", len(jobs.Items))
	}
	if cms, _ := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{}); len(cms.Items) != 0 {
		t.Errorf("configmaps left: %d", len(cms.Items))
	}
}

func TestRunnerReportsFailedClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := fake.NewClientset()
	logs := &fakeLogs{logs: map[string][]byte{}}
	made := kubelet(t, ctx, cs, logs, func(i int) corev1.PodPhase {
		if i == 1 {
			return corev1.PodFailed
		}
		return corev1.PodSucceeded
	}, func(i int) []byte {
		if i == 1 {
			return []byte(strings.Repeat("noise\n", 50) + "smp: --spec /etc/smp/spec.yaml: load.rate: bad\n")
		}
		return nil
	})
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 3, Logs: logs, PollInterval: 10 * time.Millisecond}
	_, err := r.Load(ctx, loadSpec(t), "http://entry:8080/")
	<-made
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"-1-x (index 1)", "exit code 2", "load.rate: bad", "last lines of its log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, "noise") > tailLines {
		t.Errorf("error quotes more than %d lines:\n%s", tailLines, msg)
	}
	if jobs, _ := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("jobs left: %d", len(jobs.Items))
	}
}

func TestRunnerCancelDeletesJob(t *testing.T) {
	cs := fake.NewClientset()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if l, _ := cs.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{}); len(l.Items) > 0 {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 2, PollInterval: 10 * time.Millisecond}
	_, err := r.Load(ctx, loadSpec(t), "http://entry:8080/")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if jobs, _ := cs.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("jobs left after cancel: %d", len(jobs.Items))
	}
}

func TestRunnerRefusesBadSplit(t *testing.T) {
	r := &Runner{Client: fake.NewClientset(), Namespace: ns, Image: "smp:dev", Clients: 7}
	_, err := r.Load(context.Background(), loadSpec(t), "http://x/")
	if err == nil || !strings.Contains(err.Error(), "load.connections 6") {
		t.Errorf("err %v, want the connections named", err)
	}
}

// TestJobSpec checks the Job a Runner makes.
func TestJobSpec(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	p := jobParams{Name: "smp-load-x", Namespace: ns, Image: "smp:dev", Labels: map[string]string{"smp.dev/run": "r1"},
		Clients: 3, Target: "http://entry:8080/", Start: start, Deadline: 2 * time.Minute}
	j := p.job()
	s := j.Spec
	if *s.CompletionMode != batchv1.IndexedCompletion || *s.Completions != 3 || *s.Parallelism != 3 || *s.BackoffLimit != 0 || *s.ActiveDeadlineSeconds != 120 {
		t.Errorf("job spec %+v", s)
	}
	ps := s.Template.Spec
	if ps.RestartPolicy != corev1.RestartPolicyNever || len(ps.Containers) != 1 {
		t.Fatalf("pod spec %+v", ps)
	}
	c := ps.Containers[0]
	want := "worker --spec /etc/smp/spec.yaml --target http://entry:8080/ --clients 3 --start 2026-01-02T03:04:05.000000006Z"
	if c.Name != Container || c.Image != "smp:dev" || c.ImagePullPolicy != corev1.PullIfNotPresent || strings.Join(c.Args, " ") != want {
		t.Errorf("container %s %s %s args %q", c.Name, c.Image, c.ImagePullPolicy, c.Args)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != SpecDir || ps.Volumes[0].ConfigMap.Name != "smp-load-x" {
		t.Errorf("spec volume %+v %+v", c.VolumeMounts, ps.Volumes)
	}
	for _, l := range []map[string]string{j.Labels, s.Template.Labels} {
		if l["smp.dev/run"] != "r1" || l[LabelJob] != "smp-load-x" || l["app.kubernetes.io/managed-by"] != "smp" {
			t.Errorf("labels %v", l)
		}
	}
	if p.Labels[LabelJob] != "" {
		t.Error("job() changed the given labels")
	}
}

// TestSpecSurvivesConfigMap: the JSON written into the ConfigMap parses
// back (spec.Parse reads JSON as YAML) to the same load.
func TestSpecSurvivesConfigMap(t *testing.T) {
	ts := testSpec(t, "  connections: 6\n  rate: 300\n  arrival: {type: step, steps: [{rate: 30, duration: 1s}]}\n  request: {headers: {X-A: b}}\n")
	cs := fake.NewClientset()
	var got *spec.Test
	logs := &fakeLogs{logs: map[string][]byte{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if l, _ := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{}); len(l.Items) > 0 {
				var err error
				got, err = spec.Parse([]byte(l.Items[0].Data[SpecFile]), SpecFile)
				if err != nil {
					t.Errorf("configmap spec: %v\n%s", err, l.Items[0].Data[SpecFile])
				}
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 1, Logs: logs, PollInterval: 10 * time.Millisecond}
	_, _ = r.Load(ctx, ts, "http://x/")
	if got == nil {
		t.Fatal("no spec read")
	}
	if got.Load.Rate != 300 || got.Load.Connections != 6 || len(got.Load.Arrival.Steps) != 1 || got.Load.Request.Headers["X-A"] != "b" || got.Workload.URL != ts.Workload.URL {
		t.Errorf("spec read back: %+v", got.Load)
	}
}

// TestFailedPods: failed pods, and pods whose worker cannot start, fail the
// load; running, pending and succeeded ones do not.
func TestFailedPods(t *testing.T) {
	pod := func(name string, phase corev1.PodPhase, waiting string) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Phase: phase}}
		if waiting != "" {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: Container,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waiting, Message: "no image smp:x"}}}}
		}
		return p
	}
	pods := []corev1.Pod{
		pod("ok", corev1.PodSucceeded, ""), pod("run", corev1.PodRunning, ""), pod("creating", corev1.PodPending, "ContainerCreating"),
		pod("failed", corev1.PodFailed, ""), pod("pull", corev1.PodPending, "ErrImagePull"), pod("backoff", corev1.PodPending, "ImagePullBackOff"),
	}
	var names []string
	for _, p := range failedPods(pods) {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "failed,pull,backoff" {
		t.Errorf("failed pods %v, want failed, pull, backoff", names)
	}
	if s := state(&pods[4]); !strings.Contains(s, "ErrImagePull: no image smp:x") {
		t.Errorf("state %q", s)
	}
}
