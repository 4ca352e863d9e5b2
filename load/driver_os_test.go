package load_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// goroutinesOnly hides a client's event loop, as on a system without one.
type goroutinesOnly struct{ load.Dialer }

// Where the client has no event loop (macOS, Windows; here a client with
// its Loop hidden), the automatic driver runs a goroutine per connection
// and measures what is there: the rate asked for and a known service time.
func TestAutomaticDriverFallsBackToGoroutines(t *testing.T) {
	skipTimingInShort(t)
	const delay = 10 * time.Millisecond
	srv := targettest.Start(t, target.Options{Delay: delay, Size: 100})
	res := run(t, context.Background(), load.Plan{
		Dialer: goroutinesOnly{dialer(t, srv.URL())}, Connections: 4, Pacer: constant(t, 200, 2*time.Second),
		Duration: 2 * time.Second, Warmup: 500 * time.Millisecond, Timeout: time.Second,
	})
	if res.Driver != load.DriverGoroutines {
		t.Fatalf("driver %q, want %q", res.Driver, load.DriverGoroutines)
	}
	if res.Errors != 0 || res.Requests != 300 {
		t.Errorf("requests %d, errors %d %v; want 300 (200/s over 1.5 s), 0", res.Requests, res.Errors, res.ErrorKinds)
	}
	if got := res.AchievedRate(); got < 180 || got > 220 {
		t.Errorf("achieved %.1f/s, want 200 within 10%%", got)
	}
	if p50 := res.Latency.Quantile(50); p50 < delay || p50 > 3*delay {
		t.Errorf("p50 %v, want at least the %v service time and under %v", p50, delay, 3*delay)
	}
}

// Asking for the event loop where there is none is an invalid plan that
// says so; on Linux the same plan is valid.
func TestEventLoopOnlyOnLinux(t *testing.T) {
	if !load.HasEventLoop("linux") || load.HasEventLoop("darwin") || load.HasEventLoop("windows") {
		t.Fatal("HasEventLoop: want linux only")
	}
	p := load.Plan{Dialer: goroutinesOnly{}, Connections: 1, Duration: time.Second, Timeout: time.Second, Driver: load.DriverEventLoop}
	err := p.Check()
	if load.HasEventLoop(runtime.GOOS) {
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		return
	}
	if !errors.Is(err, load.ErrPlan) || !strings.Contains(err.Error(), `driver "eventloop"`) || !strings.Contains(err.Error(), "linux-only") {
		t.Fatalf("Check: %v; want an invalid plan naming driver eventloop as linux-only", err)
	}
}
