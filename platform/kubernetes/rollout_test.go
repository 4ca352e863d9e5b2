package kubernetes

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A rollout that times out names each pod not ready, why (conditions,
// container states, last termination) and its events; ready pods are
// not listed.
func TestNotReadyExplains(t *testing.T) {
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "e1", Namespace: "ns"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "svc-1-abc"},
		Type:           "Warning", Reason: "BackOff", Message: "Back-off restarting failed container app",
		LastTimestamp: metav1.Now(),
	}
	c := fakeClient(nil, ev)
	now := time.Now()
	tr := &tracker{pods: map[string]*podTimes{}}
	tr.observe(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "svc-0-xyz", Labels: map[string]string{LabelService: "svc-0"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: corev1.ConditionTrue},
		}},
	}, now)
	tr.observe(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "svc-1-abc", Labels: map[string]string{LabelService: "svc-1"}},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: "containers with unready status: [app]"},
			},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "app", RestartCount: 3,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 2}},
			}},
		},
	}, now)
	if tr.readyCount() != 1 {
		t.Fatalf("ready %d, want 1", tr.readyCount())
	}
	err := c.notReady(context.Background(), "ns", tr, 3, time.Minute)
	msg := err.Error()
	for _, want := range []string{
		"1 of 3 pods ready after 1m0s", "only 2 pods exist",
		"pod ns/svc-1-abc not ready: phase Running", "Ready: ContainersNotReady",
		"container app: waiting: CrashLoopBackOff back-off 40s, 3 restarts, last terminated: Error (exit 2)",
		"event Warning BackOff pod/svc-1-abc: Back-off restarting failed container app",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "pod ns/svc-0-xyz not ready") {
		t.Errorf("a ready pod is listed:\n%s", msg)
	}
}

// Startup steps are in order and leave out what was not seen.
func TestSteps(t *testing.T) {
	t0 := time.Now()
	pt := &podTimes{created: t0, scheduled: t0.Add(time.Millisecond), started: map[string]time.Time{"app": t0.Add(time.Second)},
		containerUp: map[string]time.Time{"app": t0.Add(2 * time.Second)}}
	var names []string
	for _, s := range steps(pt, "app") {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "created,scheduled,started,ready" {
		t.Errorf("steps %v", names)
	}
}

// A mesh's proxy injected as a native sidecar (an init container that
// keeps running) is a proxy component with its own start.
func TestNativeSidecarComponent(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	t0 := time.Now()
	tr := &tracker{pods: map[string]*podTimes{}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "svc-0-a", Labels: map[string]string{LabelService: "svc-0"}},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "istio-init"}, {Name: "istio-proxy", RestartPolicy: &always}},
			Containers:     []corev1.Container{{Name: "app"}},
		},
	}
	tr.observe(pod.DeepCopy(), t0)
	pod.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "istio-proxy", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	tr.observe(pod, t0.Add(time.Second))
	cs := components("ns", tr)
	if len(cs) != 2 || cs[0].Name != "svc-0-istio-proxy" || cs[0].Role != "proxy" || cs[1].Name != "svc-0" || cs[1].Role != "app" {
		t.Fatalf("components %+v", cs)
	}
	if cs[0].Ready.Sub(cs[0].Started) != time.Second {
		t.Errorf("proxy startup %s, want 1s", cs[0].Ready.Sub(cs[0].Started))
	}
}
