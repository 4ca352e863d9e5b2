//go:build linux

package http1_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// runUring runs p with driver uring, skipping the test where io_uring is
// unavailable (the run then says it fell back to the event loop).
func runUring(t *testing.T, ctx context.Context, p load.Plan) *load.Result {
	t.Helper()
	p.Driver = load.DriverUring
	res := runPlan(t, ctx, p)
	if strings.HasPrefix(res.Driver, load.DriverEventLoop+" (io_uring unavailable") {
		t.Skipf("io_uring unavailable on this machine: driver %q", res.Driver)
	}
	if res.Driver != load.DriverUring {
		t.Fatalf("driver %q, want %q", res.Driver, load.DriverUring)
	}
	return res
}

// Through io_uring, an open loop against a server of known latency gets
// every request answered, at the rate, with that latency: at 400/s with a
// 2 ms server, and at 50/s with 1 ms, where responses wait for the next
// send's wake-up and are still timed when the kernel received them.
func TestUringKnownLatency(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		delay time.Duration
	}{{400, 2 * time.Millisecond}, {50, time.Millisecond}} {
		srv := targettest.Start(t, target.Options{Delay: tc.delay})
		const d, warm = 1500 * time.Millisecond, 250 * time.Millisecond
		p, _ := load.NewConstant(tc.rate, d)
		res := runUring(t, context.Background(), load.Plan{
			Dialer: newClient(t, http1.Config{}, srv.URL()), Connections: 4,
			Pacer: p, Duration: d, Warmup: warm,
		})
		want := tc.rate * (d - warm).Seconds()
		if res.Errors != 0 || float64(res.Requests) < 0.85*want || float64(res.Requests) > 1.15*want {
			t.Fatalf("%v/s: %d requests (want about %.0f), errors %v", tc.rate, res.Requests, want, res.ErrorKinds)
		}
		p50, p90 := res.Uncorrected.Quantile(50), res.Uncorrected.Quantile(90)
		t.Logf("%v/s, %v server: uncorrected p50 %v p90 %v, send lag p99 %v", tc.rate, tc.delay, p50, p90, res.SendLag.Quantile(99))
		if p50 < tc.delay || p50 > tc.delay+3*time.Millisecond || p90 > tc.delay+10*time.Millisecond {
			t.Errorf("%v/s: uncorrected p50 %v p90 %v for a %v server; want p50 within 3 ms of it, p90 within 10 ms", tc.rate, p50, p90, tc.delay)
		}
	}
}

// Through io_uring, requests that time out (their connection closed with
// its receive still in the ring, the late response arriving meanwhile) do
// not disturb the requests after them on the reconnected sockets: every
// other request is answered, whole, with its own body.
func TestUringTimeoutsThenReconnect(t *testing.T) {
	var n atomic.Int64
	raw, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if i%4 == 0 {
			// Late: answered just after the client gave up.
			time.Sleep(35 * time.Millisecond)
			io.WriteString(w, strings.Repeat("L", 512))
			return
		}
		io.WriteString(w, strings.Repeat("k", 512))
	}), 0)
	p, _ := load.NewConstant(200, 1500*time.Millisecond)
	res := runUring(t, context.Background(), load.Plan{
		Dialer: newClient(t, http1.Config{}, raw), Connections: 4, Pacer: p,
		Duration: 1500 * time.Millisecond, Timeout: 30 * time.Millisecond,
	})
	var timeouts int64
	for kind, c := range res.ErrorKinds {
		if kind != "timeout" {
			t.Errorf("%d errors of kind %q: want timeouts only", c, kind)
		}
		timeouts += c
	}
	ok := res.Requests - res.Errors
	if timeouts == 0 || ok < 3*timeouts-10 || res.StatusCodes[200] != ok {
		t.Fatalf("%d requests: %d timed out, %d ok, statuses %v; want about one in four timed out, the rest 200", res.Requests, timeouts, ok, res.StatusCodes)
	}
	if conns.Load() < timeouts {
		t.Errorf("%d connections for %d timeouts: each timeout closes its connection", conns.Load(), timeouts)
	}
	// Only the answered responses' bytes were counted, each 512 + headers.
	if per := res.BytesReceived / ok; per < 512 || per > 512+200 {
		t.Errorf("%d bytes per answered response: want 512 plus headers", per)
	}
}
