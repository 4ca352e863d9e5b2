package loadjob

import (
	"bytes"
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// LogSource reads a client pod's log: the seam through which results come
// back (the default reads the worker container's log through the API).
type LogSource interface {
	Logs(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error)
}

// APILogs reads the worker container's log through the Kubernetes API.
type APILogs struct{ Client kubernetes.Interface }

// Logs implements LogSource.
func (a APILogs) Logs(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
	return a.Client.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: Container}).Stream(ctx)
}

// maxLog bounds how much of a log is read: a result is tens of kilobytes.
const maxLog = 64 << 20

// readLog reads pod's whole log (up to maxLog bytes).
func readLog(ctx context.Context, src LogSource, pod *corev1.Pod) ([]byte, error) {
	rc, err := src.Logs(ctx, pod)
	if err != nil {
		return nil, fmt.Errorf("log of pod %s: %w", pod.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLog))
	if err != nil {
		return b, fmt.Errorf("log of pod %s: %w", pod.Name, err)
	}
	return b, nil
}

// tail is the last n lines of log, without a frame's payload (a long line
// of JSON says nothing to a reader).
func tail(log []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(log, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 500 {
			lines[i] = append(bytes.Clone(l[:200]), fmt.Sprintf("… (%d bytes)", len(l))...)
		}
	}
	return string(bytes.Join(lines, []byte("\n")))
}
