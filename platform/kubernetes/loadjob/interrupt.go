package loadjob

import (
	"context"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
)

// interruptGrace bounds how long an interrupted load waits for its clients
// to stop and write what they measured.
const interruptGrace = 45 * time.Second

// Follower is a LogSource that can also follow a log until its container
// ends. Only with one does an interrupted load keep the clients' partial
// results: a deleted pod's log goes with it, so it must be followed from
// before the deletion.
type Follower interface {
	LogSource
	Follow(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error)
}

// Follow implements Follower.
func (a APILogs) Follow(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
	return a.Client.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: Container, Follow: true}).Stream(ctx)
}

// interrupted stops the clients of Job name after ctx was cancelled and
// returns what they measured until then, merged and marked partial: each
// running client's log is followed, the Job is deleted (its pods get
// SIGTERM, on which a worker ends its run and writes its result so far),
// and the frames are read as the containers end; a client that had
// already finished is read as it is. ctx's error when no client had a
// result to give (they were still waiting for the shared start, say).
func (r *Runner) interrupted(ctx context.Context, name string, n int) (*load.Result, error) {
	src := r.Logs
	if src == nil {
		src = APILogs{Client: r.Client}
	}
	follower, ok := src.(Follower)
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptGrace)
	defer cancel()
	pods, err := r.pods(bctx, name)
	if !ok || err != nil {
		return nil, ctx.Err()
	}
	logs := make([][]byte, len(pods))
	var wg sync.WaitGroup
	for i := range pods {
		pod := &pods[i]
		switch pod.Status.Phase {
		case corev1.PodSucceeded:
			logs[i], _ = readLog(bctx, src, pod)
		case corev1.PodRunning:
			rc, err := follower.Follow(bctx, pod)
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = rc.Close() }()
				logs[i], _ = io.ReadAll(io.LimitReader(rc, maxLog))
			}()
		}
	}
	bg := metav1.DeletePropagationBackground
	_ = r.Client.BatchV1().Jobs(r.Namespace).Delete(bctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	wg.Wait()
	var results []*record.Result
	for i, log := range logs {
		res, err := ReadFrame(log)
		idx, ierr := podIndex(&pods[i])
		if err != nil || ierr != nil || idx < 0 || idx >= n || len(res.Clients) != 1 || res.Clients[0].Index != idx {
			continue
		}
		res.Clients[0].Pod = pods[i].Name
		results = append(results, res)
	}
	if len(results) == 0 {
		return nil, ctx.Err()
	}
	m, err := record.Merge(results)
	if err != nil {
		return nil, ctx.Err()
	}
	m.Partial = true
	return m, nil
}
