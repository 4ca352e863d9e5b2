package load_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// With a send tolerance of 1 ms at 5000/s (a send every 200 µs), the event
// loop sends several requests per wake-up: most leave right after another
// (batched) and early. Their latency is timed from when they left, so it is
// never shorter than the uncorrected one, and their send lag is 0. Without
// a tolerance, no send is early and few are batched.
func TestSendToleranceBatches(t *testing.T) {
	skipTimingInShort(t)
	if runtime.GOOS != "linux" {
		t.Skip("the event loop is linux-only")
	}
	srv := targettest.Start(t, target.Options{Size: 16})
	plan := func(tol time.Duration) load.Plan {
		return load.Plan{
			Dialer: dialer(t, srv.URL()), Connections: 32, Pacer: constant(t, 5000, 2*time.Second),
			Duration: 2 * time.Second, Warmup: 500 * time.Millisecond, Timeout: time.Second,
			SendTolerance: tol,
		}
	}
	exact := runDriver(t, load.DriverEventLoop, context.Background(), plan(0))
	res := runDriver(t, load.DriverEventLoop, context.Background(), plan(time.Millisecond))
	for name, r := range map[string]*load.Result{"tolerance 0": exact, "tolerance 1ms": res} {
		t.Logf("%s: requests %d, batched %d, early %d, send lag p50 %v p99 %v, latency p50 %v, uncorrected p50 %v",
			name, r.Requests, r.Batched, r.Early, r.SendLag.Quantile(50), r.SendLag.Quantile(99),
			r.Latency.Quantile(50), r.Uncorrected.Quantile(50))
		if r.Errors != 0 || r.Requests < 7000 {
			t.Fatalf("%s: %d requests, %d errors %v: want about 7500 without errors", name, r.Requests, r.Errors, r.ErrorKinds)
		}
	}
	if res.SendTolerance != time.Millisecond || exact.SendTolerance != 0 {
		t.Errorf("send tolerance recorded %v and %v, want 1ms and 0", res.SendTolerance, exact.SendTolerance)
	}

	// Five sends fall within 1 ms of one: ideally 4 in 5 are batched.
	// Sends that left on a wake-up of their own are at most
	// Requests-Batched: well under half the requests.
	if res.Batched < res.Requests/2 {
		t.Errorf("tolerance 1ms: %d of %d sends batched, want at least half", res.Batched, res.Requests)
	}
	if res.Early < res.Requests/3 {
		t.Errorf("tolerance 1ms: %d of %d sends early, want at least a third", res.Early, res.Requests)
	}
	if exact.Early != 0 {
		t.Errorf("tolerance 0: %d sends early, want none", exact.Early)
	}
	if exact.Batched > exact.Requests/4 || exact.Batched >= res.Batched/2 {
		t.Errorf("tolerance 0: %d of %d sends batched, want few (under a quarter, and under half of tolerance 1ms's %d)",
			exact.Batched, exact.Requests, res.Batched)
	}

	// Send lag: early sends count 0, so its count is every request and
	// its median, with most sends early, is 0.
	if n := res.SendLag.Count(); n != res.Requests {
		t.Errorf("send lag count %d, want %d", n, res.Requests)
	}
	if p50 := res.SendLag.Quantile(50); p50 > time.Duration(hist.Lowest) {
		t.Errorf("tolerance 1ms: send lag p50 %v, want 0 (early sends record 0, kept as the histogram's lowest value, %v)", p50, time.Duration(hist.Lowest))
	}
	// Every request's latency is at least its uncorrected one (timed from
	// the later of intended and actual send), so each quantile is too;
	// timed from the intended time, early sends would make it shorter.
	for _, q := range []float64{1, 10, 50, 90} {
		if l, u := res.Latency.Quantile(q), res.Uncorrected.Quantile(q); l < u {
			t.Errorf("tolerance 1ms: latency p%v %v below uncorrected %v", q, l, u)
		}
	}
}
