package load_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// Plan.Progress is called about once a second while the run goes, with
// the latest finished second (about 400 requests at 400/s, its latency at
// least the target's 2 ms), the warmup flagged early on, cumulative
// counts that only grow, and never after Run has returned.
func TestProgress(t *testing.T) {
	skipTimingInShort(t)
	srv := targettest.Start(t, target.Options{Delay: 2 * time.Millisecond})
	var mu sync.Mutex
	var got []load.Progress
	returned := false
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: dialer(t, srv.URL()), Connections: 4, Pacer: constant(t, 400, 3500*time.Millisecond),
		Duration: 3500 * time.Millisecond, Warmup: 1200 * time.Millisecond, Timeout: time.Second,
		Progress: func(p load.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if returned {
				t.Error("Progress called after Run returned")
			}
			got = append(got, p)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	returned = true
	defer mu.Unlock()
	if len(got) < 2 || len(got) > 4 {
		t.Fatalf("%d calls in a 3.5 s run, want about one a second: %+v", len(got), got)
	}
	if !got[0].Warmup || got[len(got)-1].Warmup || got[0].RequestedRate < 399 || got[0].Duration != 3500*time.Millisecond {
		t.Errorf("first %+v, last %+v", got[0], got[len(got)-1])
	}
	for i := 1; i < len(got); i++ {
		if got[i].Requests < got[i-1].Requests || got[i].Elapsed < got[i-1].Elapsed {
			t.Errorf("call %d went back: %+v after %+v", i, got[i], got[i-1])
		}
	}
	last := got[len(got)-1]
	if last.Last.Requests < 300 || last.Last.Requests > 500 || last.Last.P50 < 2*time.Millisecond || last.Requests > res.Requests+1000 {
		t.Errorf("last call %+v; want a second of about 400 requests at >= 2 ms", last)
	}
}
