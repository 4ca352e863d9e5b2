package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// podTimes is when smp's watch first saw each step of a pod's start. The
// API's own timestamps (creationTimestamp, condition transition times,
// container startedAt) have a resolution of one second, too coarse for
// startup; the watch sees each change within milliseconds.
type podTimes struct {
	name, service string
	created       time.Time            // the pod first seen (it exists)
	scheduled     time.Time            // PodScheduled true
	initialized   time.Time            // Initialized true
	started       map[string]time.Time // per container: first seen running
	containerUp   map[string]time.Time // per container: first seen ready
	ready         time.Time            // Ready true
	pod           *corev1.Pod
}

// tracker follows the pods of a namespace.
type tracker struct {
	pods map[string]*podTimes
}

func (t *tracker) observe(p *corev1.Pod, now time.Time) {
	pt := t.pods[p.Name]
	if pt == nil {
		pt = &podTimes{name: p.Name, service: p.Labels[LabelService], created: now,
			started: map[string]time.Time{}, containerUp: map[string]time.Time{}}
		t.pods[p.Name] = pt
	}
	pt.pod = p
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case corev1.PodScheduled:
			setOnce(&pt.scheduled, now)
		case corev1.PodInitialized:
			setOnce(&pt.initialized, now)
		case corev1.PodReady:
			setOnce(&pt.ready, now)
		}
	}
	for _, cs := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		if cs.State.Running != nil {
			if _, ok := pt.started[cs.Name]; !ok {
				pt.started[cs.Name] = now
			}
		}
		if cs.Ready {
			if _, ok := pt.containerUp[cs.Name]; !ok {
				pt.containerUp[cs.Name] = now
			}
		}
	}
}

func setOnce(t *time.Time, now time.Time) {
	if t.IsZero() {
		*t = now
	}
}

// readyCount counts the pods that are ready and not being deleted.
func (t *tracker) readyCount() int {
	n := 0
	for _, pt := range t.pods {
		if !pt.ready.IsZero() && pt.pod.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// waitPods watches the pods of namespace ns until want of them are
// ready, or timeout passes. On timeout it says which pods are not ready
// and why. Start it before the pods are created (watching from an empty
// namespace), so that it sees each one appear.
func (c *Client) waitPods(ctx context.Context, ns string, want int, timeout time.Duration, started chan<- struct{}) (*tracker, error) {
	tr := &tracker{pods: map[string]*podTimes{}}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// ResourceVersion "0" starts from the API server's watch cache as it
	// is (the namespace is new: every pod is seen as it appears). Without
	// one, the server waits for its cache to catch up with etcd, which on
	// a quiet cluster without etcd progress notifications does not happen.
	rv := "0"
	for {
		w, err := c.Set.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			if ctx.Err() != nil {
				return tr, c.notReady(context.WithoutCancel(ctx), ns, tr, want, timeout)
			}
			return tr, fmt.Errorf("watch pods in %s: %w", ns, err)
		}
		if started != nil {
			close(started)
			started = nil
		}
		for ev := range w.ResultChan() {
			if ev.Type == watch.Error {
				rv = "0" // expired: start again from the cache
				break
			}
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			rv = p.ResourceVersion
			if ev.Type == watch.Deleted {
				delete(tr.pods, p.Name)
				continue
			}
			tr.observe(p, time.Now())
			if tr.readyCount() >= want {
				w.Stop()
				return tr, nil
			}
		}
		w.Stop()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
		if ctx.Err() != nil {
			if cerr := context.Cause(ctx); cerr != context.DeadlineExceeded {
				return tr, cerr
			}
			return tr, c.notReady(context.WithoutCancel(ctx), ns, tr, want, timeout)
		}
	}
}

// notReady explains a rollout that timed out: for each pod not ready,
// its phase, the conditions that do not hold, each container's state
// and last termination, and its latest events.
func (c *Client) notReady(ctx context.Context, ns string, tr *tracker, want int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "rollout in namespace %s: %d of %d pods ready after %s", ns, tr.readyCount(), want, timeout)
	if len(tr.pods) < want {
		fmt.Fprintf(&b, "; only %d pods exist", len(tr.pods))
		c.writeEvents(ctx, &b, ns, "")
	}
	names := make([]string, 0, len(tr.pods))
	for n := range tr.pods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pt := tr.pods[n]
		if !pt.ready.IsZero() {
			continue
		}
		fmt.Fprintf(&b, "\npod %s/%s not ready: phase %s", ns, n, pt.pod.Status.Phase)
		for _, cond := range pt.pod.Status.Conditions {
			if cond.Status != corev1.ConditionTrue {
				fmt.Fprintf(&b, "; %s: %s %s", cond.Type, cond.Reason, cond.Message)
			}
		}
		for _, cs := range slices.Concat(pt.pod.Status.InitContainerStatuses, pt.pod.Status.ContainerStatuses) {
			fmt.Fprintf(&b, "\n  container %s: %s", cs.Name, containerState(cs.State))
			if cs.RestartCount > 0 {
				fmt.Fprintf(&b, ", %d restarts", cs.RestartCount)
			}
			if t := cs.LastTerminationState.Terminated; t != nil {
				fmt.Fprintf(&b, ", last terminated: %s (exit %d) %s", t.Reason, t.ExitCode, strings.TrimSpace(t.Message))
			}
		}
		c.writeEvents(ctx, &b, ns, n)
	}
	return fmt.Errorf("%s", b.String())
}

func containerState(s corev1.ContainerState) string {
	switch {
	case s.Waiting != nil:
		return fmt.Sprintf("waiting: %s %s", s.Waiting.Reason, s.Waiting.Message)
	case s.Terminated != nil:
		return fmt.Sprintf("terminated: %s (exit %d) %s", s.Terminated.Reason, s.Terminated.ExitCode, s.Terminated.Message)
	case s.Running != nil:
		return "running (not ready)"
	}
	return "unknown"
}

// writeEvents appends the last events of object name in ns ("" = every
// object of the namespace).
func (c *Client) writeEvents(ctx context.Context, b *strings.Builder, ns, name string) {
	opts := metav1.ListOptions{}
	if name != "" {
		opts.FieldSelector = fields.OneTermEqualSelector("involvedObject.name", name).String()
	}
	evs, err := c.Set.CoreV1().Events(ns).List(ctx, opts)
	if err != nil {
		fmt.Fprintf(b, "\n  events: %v", err)
		return
	}
	items := evs.Items
	sort.Slice(items, func(i, j int) bool { return eventTime(items[i]).Before(eventTime(items[j])) })
	if len(items) > 8 {
		items = items[len(items)-8:]
	}
	for _, e := range items {
		fmt.Fprintf(b, "\n  event %s %s %s/%s: %s", e.Type, e.Reason, strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, e.Message)
	}
}

func eventTime(e corev1.Event) time.Time {
	if !e.LastTimestamp.IsZero() {
		return e.LastTimestamp.Time
	}
	return e.EventTime.Time
}
