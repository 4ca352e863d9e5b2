package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/smp-dev/smp/dashboard"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/live"
	"github.com/smp-dev/smp/run"
)

// feedKeep is how long the feeds of finished runs stay for the live page.
const feedKeep = time.Hour

// runFeed is a run's live feed (package live), written while it goes so
// smp serve's live page can follow it. A nil *runFeed does nothing: no
// feed with --no-store (the dashboard would not find the run afterwards),
// or when the feed could not be created (a warning, never a failed run).
type runFeed struct {
	w *live.Writer
}

func startFeed(s Streams, sf *storeFlags, test string) *runFeed {
	if sf.none {
		return nil
	}
	w, err := live.Create(liveDir(sf), test, feedKeep)
	if err != nil {
		fmt.Fprintf(s.Err, "warning: no live feed for smp serve: %v\n", err)
		return nil
	}
	return &runFeed{w: w}
}

// startLive starts a run's live feed and, with --serve ADDR (serveAddr
// not empty), the dashboard; stop ends the dashboard after the run (a
// no-op without one).
func startLive(ctx context.Context, s Streams, sf *storeFlags, serveAddr, test string) (feed *runFeed, stop func(), err error) {
	feed = startFeed(s, sf, test)
	if serveAddr == "" {
		return feed, func() {}, nil
	}
	stop, err = serveWhileRunning(ctx, s, sf, serveAddr, feed)
	if err != nil {
		feed.finish(s, "", nil, err)
		return nil, nil, err
	}
	return feed, stop, nil
}

// tick appends a running iteration's progress.
func (f *runFeed) tick(v run.Live) {
	if f == nil {
		return
	}
	f.w.Tick(live.Event{Scenario: v.Scenario, Iteration: v.Iteration, Iterations: v.Iterations,
		ElapsedS: v.Elapsed.Seconds(), DurationS: v.Duration.Seconds(), Warmup: v.Warmup, RequestedRate: v.RequestedRate,
		Requests: v.Requests, Errors: v.Errors, Second: v.Last.Start.Seconds(), LastRequests: v.Last.Requests,
		LastErrors: v.Last.Errors, P50Ms: float64(v.Last.P50) / 1e6, P99Ms: float64(v.Last.P99) / 1e6})
}

// finish ends the feed with the stored run's ID and the run's outcome.
func (f *runFeed) finish(s Streams, runID string, rep *report.Report, runErr error) {
	if f == nil {
		return
	}
	if err := f.w.End(runID, rep == nil || rep.Partial, runErr); err != nil {
		fmt.Fprintf(s.Err, "warning: live feed: %v\n", err)
	}
}

// key is the feed's key ("" for a nil feed).
func (f *runFeed) key() string {
	if f == nil {
		return ""
	}
	return f.w.Key()
}

// renameLive is fn with the scenarios renamed by names (as the report's
// are); nil when fn is.
func renameLive(fn func(run.Live), names map[string]string) func(run.Live) {
	if fn == nil {
		return nil
	}
	return func(v run.Live) {
		if n, ok := names[v.Scenario]; ok {
			v.Scenario = n
		}
		fn(v)
	}
}

// chainLive calls every non-nil fn with each progress.
func chainLive(fns ...func(run.Live)) func(run.Live) {
	var set []func(run.Live)
	for _, fn := range fns {
		if fn != nil {
			set = append(set, fn)
		}
	}
	if len(set) == 0 {
		return nil
	}
	return func(v run.Live) {
		for _, fn := range set {
			fn(v)
		}
	}
}

// serveFlag is --serve on smp run and smp load: the dashboard, served
// for as long as the command runs.
func serveFlag(f *pflag.FlagSet, addr *string) {
	f.StringVar(addr, "serve", "", "serve the dashboard (smp serve) at HOST:PORT while this runs, and print the live page's URL, e.g. --serve "+defaultServeAddr)
}

// serveWhileRunning starts the dashboard at addr over the flags' store
// and prints the URL of feed's live page. The returned stop lets an open
// live page receive the run's end, then shuts the server down and closes
// the store.
func serveWhileRunning(ctx context.Context, s Streams, sf *storeFlags, addr string, feed *runFeed) (stop func(), err error) {
	if sf.none {
		return nil, usageErr("--serve with --no-store: expected one of them (the dashboard shows stored runs)")
	}
	if feed == nil {
		return nil, errors.New("--serve: no live feed to follow (see the warning above)")
	}
	token, err := serveToken(addr, "")
	if err != nil {
		return nil, err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return nil, err
	}
	l, url, err := listenDashboard(st, liveDir(sf), addr, token, false, s)
	if err != nil {
		_ = st.Close() // the listen error is the one to report
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- dashboard.Serve(sctx, l.ln, l.h) }()
	live := "http://" + l.ln.Addr().String() + "/live/" + feed.key()
	if token != "" {
		live += "?token=" + token
	}
	fmt.Fprintf(s.Err, "dashboard: %s (live: %s)\n", url, live)
	return func() {
		// The live page polls its feed every 250 ms: let it read the end.
		time.Sleep(time.Second)
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintf(s.Err, "warning: dashboard: %v\n", err)
		}
		if err := st.Close(); err != nil {
			fmt.Fprintf(s.Err, "warning: dashboard: %v\n", err)
		}
	}, nil
}
