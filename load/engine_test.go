package load_test

import (
	"context"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/target"
)

func startTarget(t *testing.T, opts target.Options) *target.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := target.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	return srv
}

func dialer(t *testing.T, rawURL string) load.Dialer {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := http1.New(http1.Config{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func constant(t *testing.T, rate float64, d time.Duration) load.Pacer {
	t.Helper()
	p, err := load.NewConstant(rate, d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitGoroutines waits for the goroutine count to fall back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > n {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d after the run, %d before\n%s", g, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestSmoke(t *testing.T) {
	srv := startTarget(t, target.Options{Delay: 20 * time.Millisecond, Size: 1024})
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: dialer(t, srv.URL()), Connections: 8, Pacer: constant(t, 200, 3*time.Second),
		Duration: 3 * time.Second, Warmup: 500 * time.Millisecond, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("req=%d sent=%d err=%d late=%d drop=%d rate=%.1f p50=%v p99=%v unc50=%v lag50=%v lag99=%v lagmax=%v cpu=%.0f rss=%.1f",
		res.Requests, res.Sent, res.Errors, res.Late, res.Dropped, res.AchievedRate(),
		res.Latency.Quantile(50), res.Latency.Quantile(99), res.Uncorrected.Quantile(50),
		res.SendLag.Quantile(50), res.SendLag.Quantile(99), res.SendLag.Max(), res.Client.CPUMcores, res.Client.MaxRSSMB)
	t.Log(res.StatusCodes, res.ErrorKinds, res.Timeline)
}
