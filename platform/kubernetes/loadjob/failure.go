package loadjob

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// tailLines is how much of a failed client's log its error quotes.
const tailLines = 20

// Waiting reasons that mean a container will not start by itself.
var stuck = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
}

// failedPods are the pods that failed or whose worker cannot start.
func failedPods(pods []corev1.Pod) []corev1.Pod {
	var bad []corev1.Pod
	for _, p := range pods {
		if p.Status.Phase == corev1.PodFailed {
			bad = append(bad, p)
			continue
		}
		// The worker failed while an injected sidecar keeps the pod running.
		if cs := workerStatus(&p); cs != nil && cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0 {
			bad = append(bad, p)
			continue
		}
		if cs := workerStatus(&p); cs != nil && cs.State.Waiting != nil && stuck[cs.State.Waiting.Reason] {
			bad = append(bad, p)
		}
	}
	return bad
}

// workerStatus is the worker container's status, or nil.
func workerStatus(p *corev1.Pod) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == Container {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// state describes the worker container's state.
func state(p *corev1.Pod) string {
	cs := workerStatus(p)
	switch {
	case cs == nil:
		return fmt.Sprintf("pod %s, container %s not started", p.Status.Phase, Container)
	case cs.State.Terminated != nil:
		t := cs.State.Terminated
		s := fmt.Sprintf("container %s terminated: exit code %d", Container, t.ExitCode)
		if t.Reason != "" {
			s += " (" + t.Reason + ")"
		}
		if m := strings.TrimSpace(t.Message); m != "" {
			s += ": " + m
		}
		return s
	case cs.State.Waiting != nil:
		return fmt.Sprintf("container %s waiting: %s: %s", Container, cs.State.Waiting.Reason, cs.State.Waiting.Message)
	}
	return fmt.Sprintf("pod %s, container %s running", p.Status.Phase, Container)
}

// failure is the error of a failed Job: each failed pod with its state and
// log tail. When bad is empty (the Job says it failed, e.g. past its
// deadline, with no pod to blame) the Job's own condition is quoted.
func (r *Runner) failure(ctx context.Context, name string, bad []corev1.Pod) error {
	var b strings.Builder
	fmt.Fprintf(&b, "load job %s/%s failed", r.Namespace, name)
	if len(bad) == 0 {
		job, err := r.Client.BatchV1().Jobs(r.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			fmt.Fprintf(&b, "; the Job cannot be read: %v", err)
		} else {
			for _, c := range job.Status.Conditions {
				if c.Status == corev1.ConditionTrue {
					fmt.Fprintf(&b, "; %s: %s: %s", c.Type, c.Reason, c.Message)
				}
			}
		}
		return fmt.Errorf("%s", b.String())
	}
	src := r.Logs
	if src == nil {
		src = APILogs{Client: r.Client}
	}
	for i := range bad {
		p := &bad[i]
		idx := "?"
		if n, err := podIndex(p); err == nil {
			idx = fmt.Sprint(n)
		}
		fmt.Fprintf(&b, "\nclient pod %s (index %s): %s", p.Name, idx, state(p))
		log, err := readLog(ctx, src, p)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "; its log cannot be read: %v", err)
		case len(strings.TrimSpace(string(log))) == 0:
			b.WriteString("; its log is empty")
		default:
			fmt.Fprintf(&b, "; last lines of its log:\n%s", indent(tail(log, tailLines)))
		}
	}
	return fmt.Errorf("%s", b.String())
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// workerDone says a client pod has finished its share: the pod succeeded,
// or its worker container exited 0 while a sidecar an admission webhook
// injected as an ordinary container keeps the pod running (Istio's agent
// in proxyless mode).
func workerDone(p *corev1.Pod) bool {
	if p.Status.Phase == corev1.PodSucceeded {
		return true
	}
	cs := workerStatus(p)
	return cs != nil && cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
}
