package loadjob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// DefaultStartDelay is how far ahead of the Job's creation the shared start
// is set when Runner.StartDelay is 0: time for the scheduler to place N
// pods, the kubelet to start them (the image already present) and each
// worker to parse its spec, so that they all begin together. A pod that
// is later still begins at once, and its result says how late
// (ClientShare.StartLate).
const DefaultStartDelay = 10 * time.Second

// Runner drives a test's load as an indexed Job of client pods and merges
// their results. It implements platform.Loader.
type Runner struct {
	Client    kubernetes.Interface
	Namespace string
	// Image holds smp (its entrypoint runs smp's commands, e.g. smp:dev).
	Image string
	// Labels go on every object it makes (the run's labels).
	Labels map[string]string
	// Clients is the number of client pods (load.clients); 0 means 1.
	Clients int
	// StartDelay sets the shared start after the Job's creation; 0 means
	// DefaultStartDelay.
	StartDelay time.Duration
	// PodMutator, when set, changes each client pod's template before the
	// Job is made: to add a mesh's sidecar, or the annotations that have
	// a mesh inject one. A client is done when its worker container has
	// terminated: a sidecar that keeps running (an ordinary container a
	// webhook injected) does not hold the load up; the Job is deleted
	// after the results are read.
	PodMutator func(*corev1.PodTemplateSpec)
	// Logs reads the client pods' logs; nil means APILogs{Client}.
	Logs LogSource
	// JobName names the Job (and its ConfigMap); its pods are named
	// <JobName>-<index>-<random>. Empty: smp-load-<random>.
	JobName string
	// PollInterval is how often the Job is checked; 0 means 500 ms.
	PollInterval time.Duration
}

// Load runs t's load against target from r.Clients pods and returns their
// merged result (record.Merge), with each client's figures in Clients.
// The Job and its ConfigMap are deleted before it returns. A client that
// fails fails the whole: the error names the pod, its container's state and
// the last lines of its log. When ctx is cancelled the clients are stopped
// and what they measured until then comes back, marked partial (see
// interrupted); ctx's error only when none had anything to say.
func (r *Runner) Load(ctx context.Context, t *spec.Test, target string) (res *load.Result, err error) {
	n := max(r.Clients, 1)
	if r.Client == nil || r.Namespace == "" || r.Image == "" {
		return nil, fmt.Errorf("load job: client, namespace and image are required (namespace %q, image %q)", r.Namespace, r.Image)
	}
	// Check the split here, where the error is clear, not in N pods.
	for i := range n {
		if _, err := Split(t, n, i); err != nil {
			return nil, fmt.Errorf("load job: %w", err)
		}
	}
	specJSON, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("load job: spec: %w", err)
	}
	delay := r.StartDelay
	if delay <= 0 {
		delay = DefaultStartDelay
	}
	name := r.JobName
	if name == "" {
		name = "smp-load-" + suffix()
	}
	p := jobParams{
		Name: name, Namespace: r.Namespace, Image: r.Image, Labels: r.Labels,
		Clients: n, Target: target, Start: time.Now().Add(delay),
		Deadline: delay + t.Load.Duration.D() + 2*time.Minute,
	}
	job := p.job()
	if r.PodMutator != nil {
		r.PodMutator(&job.Spec.Template)
	}
	cms := r.Client.CoreV1().ConfigMaps(r.Namespace)
	jobs := r.Client.BatchV1().Jobs(r.Namespace)
	if _, err := cms.Create(ctx, p.configMap(specJSON), metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("load job: create configmap %s/%s: %w", r.Namespace, p.Name, err)
	}
	defer func() {
		if cerr := r.cleanup(ctx, p.Name); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("load job: create job %s/%s: %w", r.Namespace, p.Name, err)
	}
	if err := r.wait(ctx, p.Name, n); err != nil {
		if ctx.Err() != nil {
			return r.interrupted(ctx, p.Name, n)
		}
		return nil, err
	}
	return r.collect(ctx, p.Name, n)
}

// suffix is a random name suffix.
func suffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// cleanup deletes the Job (its pods in the background) and the ConfigMap,
// even when ctx is done.
func (r *Runner) cleanup(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	bg := metav1.DeletePropagationBackground
	var errs []error
	if err := r.Client.BatchV1().Jobs(r.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil && !apierrors.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("load job: delete job %s/%s: %w", r.Namespace, name, err))
	}
	if err := r.Client.CoreV1().ConfigMaps(r.Namespace).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("load job: delete configmap %s/%s: %w", r.Namespace, name, err))
	}
	return errors.Join(errs...)
}

// wait polls the Job until n pods succeeded, or one failed (or cannot
// start), or ctx is done.
func (r *Runner) wait(ctx context.Context, name string, n int) error {
	every := r.PollInterval
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		job, err := r.Client.BatchV1().Jobs(r.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("load job: get job %s/%s: %w", r.Namespace, name, err)
		}
		if int(job.Status.Succeeded) >= n || hasCondition(job, batchv1.JobComplete) {
			return nil
		}
		pods, err := r.pods(ctx, name)
		if err != nil {
			return err
		}
		done := 0
		for i := range pods {
			if workerDone(&pods[i]) {
				done++
			}
		}
		if done >= n {
			return nil
		}
		if bad := failedPods(pods); len(bad) > 0 {
			return r.failure(ctx, name, bad)
		}
		if job.Status.Failed > 0 || hasCondition(job, batchv1.JobFailed) {
			return r.failure(ctx, name, nil)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func hasCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// pods lists the Job's pods, by index.
func (r *Runner) pods(ctx context.Context, name string) ([]corev1.Pod, error) {
	list, err := r.Client.CoreV1().Pods(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelJob + "=" + name})
	if err != nil {
		return nil, fmt.Errorf("load job: list pods of job %s/%s: %w", r.Namespace, name, err)
	}
	pods := list.Items
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		i, _ := podIndex(&a)
		j, _ := podIndex(&b)
		return i - j
	})
	return pods, nil
}

// collect reads every client's result from its log and merges them.
func (r *Runner) collect(ctx context.Context, name string, n int) (*load.Result, error) {
	pods, err := r.pods(ctx, name)
	if err != nil {
		return nil, err
	}
	src := r.Logs
	if src == nil {
		src = APILogs{Client: r.Client}
	}
	results := make([]*record.Result, n)
	for i := range pods {
		pod := &pods[i]
		if !workerDone(pod) {
			continue
		}
		idx, err := podIndex(pod)
		if err != nil {
			return nil, fmt.Errorf("load job: %w", err)
		}
		if idx < 0 || idx >= n || results[idx] != nil {
			return nil, fmt.Errorf("load job: pod %s: index %d: expected one pod each for 0..%d", pod.Name, idx, n-1)
		}
		log, err := readLog(ctx, src, pod)
		if err != nil {
			return nil, fmt.Errorf("load job: %w", err)
		}
		res, err := ReadFrame(log)
		if err != nil {
			return nil, fmt.Errorf("load job: client pod %s (index %d) succeeded but its result cannot be read: %w; last lines of its log:\n%s",
				pod.Name, idx, err, tail(log, 20))
		}
		if len(res.Clients) != 1 || res.Clients[0].Index != idx {
			return nil, fmt.Errorf("load job: client pod %s (index %d): its result is not its own (clients %+v)", pod.Name, idx, res.Clients)
		}
		res.Clients[0].Pod = pod.Name
		results[idx] = res
	}
	var missing []string
	for i, res := range results {
		if res == nil {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("load job %s/%s: no succeeded pod for client index %s", r.Namespace, name, strings.Join(missing, ", "))
	}
	return record.Merge(results)
}

var _ platform.Loader = (*Runner)(nil)
