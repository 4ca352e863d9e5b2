package cli

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/report/live"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/store"
)

// The live line is drawn in place, erased before a progress line is
// written, and not drawn again until the next update; a cleared line
// leaves nothing behind.
func TestLiveLine(t *testing.T) {
	var b bytes.Buffer
	l := newLiveLine(&b)
	v := run.Live{Scenario: "baseline", Iteration: 1, Iterations: 2, Progress: load.Progress{
		Elapsed: 3 * time.Second, Duration: 10 * time.Second, RequestedRate: 1000,
		Last: load.Interval{Requests: 998, Errors: 2, P50: 520 * time.Microsecond, P99: 1900 * time.Microsecond}}}
	l.update(v)
	_, _ = l.Write([]byte("baseline: iteration 1/2: done\n"))
	l.clear()
	want := clearLine + "baseline 1/2   3.0/10.0s  998/1000 req/s  2 errors  p50 0.520 ms  p99 1.900 ms (last second)" +
		clearLine + "baseline: iteration 1/2: done\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	v.Warmup = true
	if got := formatLive(v); got != "baseline 1/2   3.0/10.0s  warmup" {
		t.Errorf("warmup line %q", got)
	}
	if liveTerminal(&b) {
		t.Error("a buffer is a terminal")
	}
}

// The live feeds go beside the store the run and smp serve are given.
func TestLiveDirFollowsStore(t *testing.T) {
	t.Setenv(live.DirEnv, "")
	t.Setenv(storeEnv, "")
	def, err := store.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dsn, want string }{
		{"", filepath.Join(filepath.Dir(def), "live")},
		{"/srv/smp/ci.db", "/srv/smp/live"},
		{"sqlite:///srv/other/x.db", "/srv/other/live"},
		{"postgres://smp@db/smp", filepath.Join(filepath.Dir(def), "live")},
	} {
		if got := liveDir(&storeFlags{dsn: tc.dsn}); got != tc.want {
			t.Errorf("--store %q: live feeds in %s, want %s", tc.dsn, got, tc.want)
		}
	}
	t.Setenv(storeEnv, "/srv/env/y.db")
	if got := liveDir(&storeFlags{}); got != "/srv/env/live" {
		t.Errorf("$%s=/srv/env/y.db: live feeds in %s, want /srv/env/live", storeEnv, got)
	}
	t.Setenv(live.DirEnv, "/feeds")
	if got := liveDir(&storeFlags{dsn: "/srv/smp/ci.db"}); got != "/feeds" {
		t.Errorf("$%s=/feeds: live feeds in %s, want /feeds", live.DirEnv, got)
	}
}
