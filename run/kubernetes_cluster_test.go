package run

// End-to-end runs on a real cluster: real pods, a real load Job whose
// results come from real pod logs, resources from a real Prometheus,
// startup from real pod conditions. They run when SMP_KUBECONFIG,
// SMP_IMAGE and SMP_PROMETHEUS_URL are set (scripts/test sets them after
// starting test/cluster and loading smp's image).

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/platform/kubernetes"
	"github.com/smp-dev/smp/spec"
)

// kubeTest is examples/kubernetes-reference.yaml, shortened, on the test
// cluster, with a provider whose run id the test knows.
func kubeTest(t *testing.T) (*spec.Test, *kubernetes.Provider, *kubernetes.Client) {
	t.Helper()
	kc, image, prom := os.Getenv("SMP_KUBECONFIG"), os.Getenv("SMP_IMAGE"), os.Getenv("SMP_PROMETHEUS_URL")
	if kc == "" || image == "" || prom == "" {
		t.Skip("needs a real cluster: SMP_KUBECONFIG, SMP_IMAGE and SMP_PROMETHEUS_URL (scripts/test sets them from test/cluster)")
	}
	tt, err := spec.ParseFile(filepath.Join("..", "examples", "kubernetes-reference.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tt.Load.Duration, tt.Load.Warmup = spec.Duration(6*time.Second), spec.Duration(2*time.Second)
	tt.Environment.Kubernetes.Kubeconfig, tt.Environment.Kubernetes.Image = kc, image
	tt.Environment.Kubernetes.Prometheus = &spec.Prometheus{URL: prom}
	p := kubernetes.New(tt.Environment.Kubernetes)
	p.RunID = kubernetes.NewRunID()
	admin, err := kubernetes.Connect(kc, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		left, err := admin.Leftovers(context.Background(), p.RunID)
		if err != nil || len(left) > 0 {
			t.Errorf("namespaces of run %s left after the run: %v %v", p.RunID, left, err)
			_, _ = admin.Cleanup(context.Background(), p.RunID)
		}
	})
	return tt, p, admin
}

// The example runs end to end: both scenarios measured from two client
// pods, resources from Prometheus, startup from pod conditions, the
// proxies' own view, a positive p50 overhead, and nothing left behind.
func TestKubernetesReferenceExample(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys to a cluster for a minute; runs without -short")
	}
	tt, p, _ := kubeTest(t)
	rep, err := Run(context.Background(), tt, Options{Provider: p, LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Scenarios) != 2 {
		t.Fatalf("scenarios %+v", rep.Scenarios)
	}
	window := (tt.Load.Duration.D() - tt.Load.Warmup.D()).Seconds()
	for _, s := range rep.Scenarios {
		it := s.Iterations[0]
		if it.Errors != 0 || it.Requests != int64(tt.Load.Rate*window) {
			t.Errorf("%s: %d requests, %d errors %v", s.Name, it.Requests, it.Errors, it.ErrorKinds)
		}
		var sum int64
		for _, c := range it.Clients {
			sum += c.Requests
			if !strings.HasPrefix(c.Pod, "smp-load-") {
				t.Errorf("%s: client %+v", s.Name, c)
			}
		}
		if len(it.Clients) != 2 || sum != it.Requests {
			t.Errorf("%s: clients %+v sum to %d of %d", s.Name, it.Clients, sum, it.Requests)
		}
		res := s.Summary.Resources
		if res == nil || res.App == nil || res.App.Count != 3 || res.App.CPUMcores <= 0 || res.App.MemMB <= 0 ||
			!strings.HasPrefix(res.App.Source, "prometheus ") || res.Client == nil || res.Client.Count != 2 {
			t.Errorf("%s: resources %+v (app %+v, client %+v)", s.Name, res, res.App, res.Client)
		}
		if st := s.Summary.Startup; st == nil || st.App == nil || st.App.Count != 3 || st.App.MaxMs <= 0 {
			t.Errorf("%s: startup %+v", s.Name, st)
		}
		if s.Mesh.Type != spec.MeshReference {
			continue
		}
		if res.Proxy == nil || res.Proxy.Count != 5 || res.Proxy.CPUMcores <= 0 {
			t.Errorf("%s: proxy resources %+v", s.Name, res.Proxy)
		}
		for _, c := range it.Components {
			if c.Name == "svc-2-proxy" && (c.Proxy == nil || c.Proxy.Requests < uint64(it.Requests)) {
				t.Errorf("%s: the last sidecar's own view %+v; the clients sent %d", s.Name, c.Proxy, it.Requests)
			}
		}
	}
	base, mesh := rep.Scenarios[0].Summary.Latency.Percentiles["p50"], rep.Scenarios[1].Summary.Latency.Percentiles["p50"]
	if !(mesh > base) {
		t.Errorf("p50 baseline %.3f ms, reference-mtls %.3f ms: want a positive overhead", base, mesh)
	}
}

// Ctrl-C while the load runs in the cluster: the clients stop and what
// they measured comes back in a partial report, and every namespace the
// run made is gone (checked by kubeTest's cleanup).
func TestKubernetesInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys to a cluster; runs without -short")
	}
	tt, p, _ := kubeTest(t)
	tt.Load.Duration = spec.Duration(60 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The clients start together 10 s after their Job is made
	// (loadjob.DefaultStartDelay), then warm up for 2 s: Ctrl-C 5 s
	// into the measured window.
	w := &cancelOn{line: "load running against", after: 17 * time.Second, cancel: cancel}
	start := time.Now()
	rep, err := Run(ctx, tt, Options{Provider: p, LogDir: t.TempDir(), Progress: w})
	if !errors.Is(err, ErrInterrupted) || rep == nil || !rep.Partial {
		t.Fatalf("report %v, err %v", rep, err)
	}
	if took := time.Since(start); took > 50*time.Second {
		t.Errorf("the interrupted run took %v", took)
	}
	if len(rep.Scenarios) != 1 {
		t.Fatalf("scenarios after the interrupt: %d, want the first only", len(rep.Scenarios))
	}
	its := rep.Scenarios[0].Iterations
	if len(its) != 1 || !its[0].Partial || its[0].Requests < 100 || len(its[0].Clients) != 2 {
		t.Errorf("the interrupted iteration lost what the clients measured: %+v", its)
	}
}

// Three clients against the reference chain: the iteration is every
// client's requests merged, and the total rate is the requested one.
func TestKubernetesThreeClients(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys to a cluster; runs without -short")
	}
	tt, p, _ := kubeTest(t)
	tt.Meshes = []spec.Mesh{{Name: "reference", Type: spec.MeshReference}}
	tt.Load.Clients, tt.Load.Connections, tt.Load.Rate = 3, 6, 300
	rep, err := Run(context.Background(), tt, Options{Provider: p, LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	it := rep.Scenarios[0].Iterations[0]
	var sum int64
	var rate float64
	for _, c := range it.Clients {
		sum += c.Requests
		rate += c.RequestedRate
	}
	if len(it.Clients) != 3 || sum != it.Requests || it.Latency.Count != it.Requests-it.Errors || rate != 300 {
		t.Errorf("clients %+v: %d requests of %d merged, histogram count %d, requested %.1f/s", it.Clients, sum, it.Requests, it.Latency.Count, rate)
	}
	if d := it.AchievedRate/it.RequestedRate - 1; d < -0.01 || d > 0.01 {
		t.Errorf("achieved %.2f/s of %.0f/s requested (%.2f%%)", it.AchievedRate, it.RequestedRate, 100*d)
	}
	if it.Errors != 0 {
		t.Errorf("%d errors %v", it.Errors, it.ErrorKinds)
	}
}

// cancelOn cancels a run a while after its progress shows a line.
type cancelOn struct {
	line   string
	after  time.Duration
	cancel func()
	once   sync.Once
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.line) {
		c.once.Do(func() { time.AfterFunc(c.after, c.cancel) })
	}
	return len(p), nil
}
