package load

import (
	"context"
	"time"
)

// Progress is a run's state while it goes: what Plan.Progress receives.
type Progress struct {
	// Elapsed is the time since the run's start (warmup included), of
	// Duration in all.
	Elapsed, Duration time.Duration
	// Warmup is true while the run is still in its warmup.
	Warmup bool
	// RequestedRate is the plan's mean rate (0 in closed loop).
	RequestedRate float64
	// Last is the latest interval every worker has finished (by intended
	// send time): its requests, errors, p50 and p99; zero before the
	// first one. Requests and Errors add up every finished interval.
	Last             Interval
	Requests, Errors int64
}

// report calls fn about every interval until ctx ends, with tl's latest
// finished interval.
func reportProgress(ctx context.Context, fn func(Progress), tl *timeline, start time.Time, p *Plan, rate float64) {
	tick := time.NewTicker(tl.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			last, req, errs := tl.latest()
			elapsed := max(0, now.Sub(start))
			fn(Progress{Elapsed: min(elapsed, p.Duration), Duration: p.Duration, Warmup: elapsed < p.Warmup,
				RequestedRate: rate, Last: last, Requests: req, Errors: errs})
		}
	}
}

// latest is the highest finished interval, and the requests and errors
// of every finished one.
func (t *timeline) latest() (Interval, int64, int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var last Interval
	best := -1
	var req, errs int64
	for i, iv := range t.done {
		req += iv.Requests
		errs += iv.Errors
		if i > best {
			best, last = i, iv
		}
	}
	return last, req, errs
}
