package loadjob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// stoppingLogs plays running workers: a followed log ends, with the
// worker's result so far, once the Job is deleted (its pods get SIGTERM).
type stoppingLogs struct {
	*fakeLogs
	cs *fake.Clientset
}

func (s stoppingLogs) Follow(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		for {
			if l, _ := s.cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{}); len(l.Items) == 0 {
				break
			}
			select {
			case <-ctx.Done():
				_ = pw.CloseWithError(ctx.Err())
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		s.mu.Lock()
		b := s.logs[pod.Name]
		s.mu.Unlock()
		_, _ = pw.Write(b)
		_ = pw.Close()
	}()
	return pr, nil
}

// Ctrl-C while the clients run: they are stopped, and what they measured
// until then comes back merged and marked partial, not thrown away.
func TestRunnerInterruptKeepsPartialResults(t *testing.T) {
	cs := fake.NewClientset()
	logs := stoppingLogs{fakeLogs: &fakeLogs{logs: map[string][]byte{}}, cs: cs}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	// The clients' pods run (no status on the Job yet); once they do,
	// the user presses Ctrl-C.
	go func() {
		for {
			l, _ := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
			if len(l.Items) > 0 {
				job := l.Items[0]
				for i := range 2 {
					name := fmt.Sprintf("%s-%d-x", job.Name, i)
					var b bytes.Buffer
					if err := WriteFrame(&b, clientResult(i, start)); err != nil {
						t.Error(err)
					}
					logs.mu.Lock()
					logs.logs[name] = b.Bytes()
					logs.mu.Unlock()
					pod := &corev1.Pod{
						ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: job.Spec.Template.Labels,
							Annotations: map[string]string{indexAnnotation: fmt.Sprint(i)}},
						Status: corev1.PodStatus{Phase: corev1.PodRunning},
					}
					if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
						t.Error(err)
					}
				}
				time.Sleep(30 * time.Millisecond) // the Runner polls the running pods once or twice
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	r := &Runner{Client: cs, Namespace: ns, Image: "smp:dev", Clients: 2, PollInterval: 10 * time.Millisecond, Logs: logs}
	res, err := r.Load(ctx, loadSpec(t), "http://entry:8080/")
	if err != nil {
		t.Fatalf("interrupted load: %v", err)
	}
	if !res.Partial || res.Requests != 300 || len(res.Clients) != 2 || res.Clients[1].Pod == "" {
		t.Errorf("partial %v, requests %d (want 100+200), clients %+v", res.Partial, res.Requests, res.Clients)
	}
	if jobs, _ := cs.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("jobs left after the interrupt: %d", len(jobs.Items))
	}
}
