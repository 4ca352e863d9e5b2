package loadjob

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/spec"
)

// The tests against a real cluster need SMP_KUBECONFIG (a kubeconfig with
// rights to make namespaces) and SMP_IMAGE (an image of smp present on the
// cluster's nodes, e.g. smp:dev).

func clusterClient(t *testing.T) (kubernetes.Interface, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs on a real cluster for a while; runs without -short")
	}
	kc, image := os.Getenv("SMP_KUBECONFIG"), os.Getenv("SMP_IMAGE")
	if kc == "" || image == "" {
		t.Skip("set SMP_KUBECONFIG (a kubeconfig) and SMP_IMAGE (an smp image on the nodes, e.g. smp:dev) to run load Jobs on a real cluster")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs, image
}

// testNamespace makes a namespace of the test's own and deletes it (and
// waits until it is gone) when the test ends.
func testNamespace(t *testing.T, cs kubernetes.Interface) (string, map[string]string) {
	t.Helper()
	id := suffix()
	labels := map[string]string{"app.kubernetes.io/managed-by": "smp", "smp.dev/run": id}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "smp-loadjob-" + id, Labels: labels}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
			return
		}
		for {
			_, err := cs.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				t.Logf("namespace %s deleted", ns.Name)
				return
			}
			if ctx.Err() != nil {
				t.Errorf("namespace %s still there after 3 minutes", ns.Name)
				return
			}
			time.Sleep(time.Second)
		}
	})
	return ns.Name, labels
}

// deployTarget runs smp target behind a ClusterIP Service and returns its
// URL (by address: the cluster may have no DNS).
func deployTarget(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns, image string, labels map[string]string) string {
	t.Helper()
	one := int32(1)
	sel := map[string]string{"app": "smp-target"}
	podLabels := map[string]string{"app": "smp-target"}
	for k, v := range labels {
		podLabels[k] = v
	}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "smp-target", Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "target", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
					Args:  []string{"target", "--addr", "0.0.0.0:8080"},
					Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
						HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080)}},
						PeriodSeconds: 1},
				}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "smp-target", Namespace: ns, Labels: labels},
		Spec:       corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Port: 8080, TargetPort: intstr.FromInt32(8080)}}},
	}
	svc, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, "smp-target", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.ReadyReplicas >= 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("target not ready: %v", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Sprintf("http://%s:8080/", svc.Spec.ClusterIP)
}

// keptLogs reads logs through the API and keeps a copy of each.
type keptLogs struct {
	src  LogSource
	mu   sync.Mutex
	logs map[string]string
}

func (k *keptLogs) Logs(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
	rc, err := k.src.Logs(ctx, pod)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	k.mu.Lock()
	k.logs[pod.Name] = string(b)
	k.mu.Unlock()
	return io.NopCloser(strings.NewReader(string(b))), err
}

func clusterSpec(t *testing.T, url string) *spec.Test {
	t.Helper()
	ts, err := spec.Parse([]byte(`apiVersion: smp/v1alpha1
kind: Test
metadata: {name: loadjob}
workload: {url: "`+url+`"}
load: {connections: 6, rate: 300, duration: 5s, warmup: 1s, timeout: 2s}
meshes: [{name: baseline, type: none}]
`), "cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestClusterThreeClients runs 300 req/s for 5 s from 3 client pods and
// checks the merge against each client's own result, read from its log
// independently of the Runner.
func TestClusterThreeClients(t *testing.T) {
	cs, image := clusterClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ns, labels := testNamespace(t, cs)
	url := deployTarget(t, ctx, cs, ns, image, labels)
	kept := &keptLogs{src: APILogs{Client: cs}, logs: map[string]string{}}
	r := &Runner{Client: cs, Namespace: ns, Image: image, Labels: labels, Clients: 3, Logs: kept}
	began := time.Now()
	res, err := r.Load(ctx, clusterSpec(t, url), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load of 3 clients took %v (start delay %v)", time.Since(began).Round(time.Millisecond), DefaultStartDelay)

	// Each client's result, decoded again from the logs and pooled here.
	pooled, uncorrected := hist.New(), hist.New()
	var sumRequests, sumClients int64
	var seen [3]bool
	for pod, log := range kept.logs {
		c, err := ReadFrame([]byte(log))
		if err != nil {
			t.Fatalf("pod %s: %v", pod, err)
		}
		pooled.Merge(c.Latency)
		uncorrected.Merge(c.Uncorrected)
		sumRequests += c.Requests
		seen[c.Clients[0].Index] = true
	}
	for i, c := range res.Clients {
		sumClients += c.Requests
		t.Logf("client %d pod %s: window %v, requested %.1f/s, achieved %.2f/s, %d requests, %d errors, send lag p99 %v, started %v late",
			c.Index, c.Pod, c.End.Sub(c.Start), c.RequestedRate, c.AchievedRate, c.Requests, c.Errors, c.SendLagP99, c.StartLate)
		if c.Index != i {
			t.Errorf("client %d has index %d", i, c.Index)
		}
	}
	if len(res.Clients) != 3 || seen != [3]bool{true, true, true} {
		t.Errorf("clients %d, indexes seen in logs %v; want 0, 1, 2", len(res.Clients), seen)
	}
	t.Logf("merged: %d requests, %d errors, window %v, requested %.2f/s, achieved %.2f/s, p50 %v p99 %v (pooled p50 %v p99 %v)",
		res.Requests, res.Errors, res.End.Sub(res.Start), res.RequestedRate, res.AchievedRate(),
		res.Latency.Quantile(50), res.Latency.Quantile(99), pooled.Quantile(50), pooled.Quantile(99))
	if res.Requests != sumRequests || res.Requests != sumClients || res.Latency.Count() != pooled.Count() {
		t.Errorf("merged requests %d, sum over logs %d, sum of shares %d, merged latency count %d, pooled %d",
			res.Requests, sumRequests, sumClients, res.Latency.Count(), pooled.Count())
	}
	for _, p := range []float64{50, 90, 99, 99.9} {
		if res.Latency.Quantile(p) != pooled.Quantile(p) || res.Uncorrected.Quantile(p) != uncorrected.Quantile(p) {
			t.Errorf("p%v: merged %v, pooled %v (uncorrected %v, %v)", p, res.Latency.Quantile(p), pooled.Quantile(p),
				res.Uncorrected.Quantile(p), uncorrected.Quantile(p))
		}
	}
	if res.Errors != 0 {
		t.Errorf("%d errors: %v", res.Errors, res.ErrorKinds)
	}
	if math.Abs(res.RequestedRate-300) > 1e-9 {
		t.Errorf("requested %v, want 300", res.RequestedRate)
	}
	if dev := math.Abs(res.AchievedRate()-res.RequestedRate) / res.RequestedRate; dev > 0.01 {
		t.Errorf("achieved %.2f/s over the window [%v, %v] is %.2f%% off the requested %.0f/s; want within 1%%",
			res.AchievedRate(), res.Start.Format(time.RFC3339Nano), res.End.Format(time.RFC3339Nano), 100*dev, res.RequestedRate)
	}
	if jobs, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{}); err != nil || len(jobs.Items) != 0 {
		t.Errorf("jobs left: %v %v", jobs, err)
	}
}

// TestClusterFailingClient: a worker that exits non-zero (here it cannot
// parse the target URL) fails the load with its pod and log tail.
func TestClusterFailingClient(t *testing.T) {
	cs, image := clusterClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns, labels := testNamespace(t, cs)
	r := &Runner{Client: cs, Namespace: ns, Image: image, Labels: labels, Clients: 2, StartDelay: 2 * time.Second}
	_, err := r.Load(ctx, clusterSpec(t, "http://127.0.0.1:1/"), "http://bad host:8080/")
	if err == nil {
		t.Fatal("no error")
	}
	t.Logf("error:\n%v", err)
	msg := err.Error()
	for _, want := range []string{"client pod smp-load-", "exit code 1", "last lines of its log", "bad host"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q", want)
		}
	}
}
