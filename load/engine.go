package load

import (
	"context"
	"sync"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// startDelay gives workers time to be scheduled before the first intended
// send, so that the first sends are not late by construction.
const startDelay = 5 * time.Millisecond

// Run executes p and returns what was measured in its window. It returns an
// error only for a bad plan; a target that fails shows up as errors in the
// Result. When ctx is cancelled, Run stops within a few milliseconds (requests
// in flight are abandoned and not counted) and returns the partial Result
// with Partial set.
func Run(ctx context.Context, p Plan) (*Result, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	interval := p.Interval
	if interval == 0 {
		interval = time.Second
	}
	maxBacklog := p.MaxBacklog
	if maxBacklog == 0 && p.Pacer != nil {
		maxBacklog = DefaultMaxBacklog(MeanRate(p.Pacer, p.Warmup, p.Duration))
	}

	// runCtx aborts connections when the caller cancels; it is released
	// once every worker is done.
	runCtx, release := context.WithCancel(ctx)
	defer release()
	d, err := newDriver(runCtx, &p)
	if err != nil {
		return nil, err
	}
	defer d.close()
	d.connect(time.Now().Add(p.Timeout))

	start := time.Now().Add(startDelay)
	tl := newTimeline(interval)
	var sched *schedule
	if p.Pacer != nil {
		sched = newSchedule(p.Pacer, p.Duration, p.Warmup, maxBacklog)
	}
	// Every worker exists (and has its timeline writer) before any runs.
	workers, err := d.workers(runCtx, &p, start, tl)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	d.start(&wg, workers, sched)
	if p.Progress != nil {
		pctx, stop := context.WithCancel(ctx)
		rate := 0.0
		if p.Pacer != nil {
			rate = MeanRate(p.Pacer, p.Warmup, p.Duration)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			reportProgress(pctx, p.Progress, tl, start, &p, rate)
		}()
		// No call is made once Run has returned.
		defer func() { stop(); <-done }()
	}

	res := record.NewResult()
	if p.Pacer != nil {
		res.RequestedRate = MeanRate(p.Pacer, p.Warmup, p.Duration)
	}
	// The measurement window, and the generator's CPU over it.
	// The window is the schedule's: from the end of the warmup to the end
	// of the run (or the interrupt), whenever this goroutine gets to run.
	// The CPU readings are taken as close to those instants as it can.
	t0, t1 := start.Add(p.Warmup), start.Add(p.Duration)
	waitCtx(ctx, t0)
	u0 := readUsage()
	waitCtx(ctx, t1)
	u1 := readUsage()
	if ctx.Err() != nil {
		res.Partial = true
		if now := time.Now(); now.Before(t1) {
			t1 = now
		}
		if t1.Before(t0) {
			t1 = t0
		}
	}
	res.Start, res.End = t0, t1
	wg.Wait()

	for _, w := range workers {
		w.merge(res)
	}
	res.Timeline = tl.intervals()
	res.Driver = d.name()
	res.SendTolerance = d.sendTolerance()
	res.Client = ClientUsage{CPUTime: u1.cpu - u0.cpu, MaxRSSMB: float64(u1.maxRSS) / 1024, NotMeasured: usageNotMeasured}
	if wall := t1.Sub(t0); wall > 0 {
		res.Client.CPUMcores = 1000 * res.Client.CPUTime.Seconds() / wall.Seconds()
	}
	return res, nil
}

// waitCtx sleeps until t or until ctx is done.
func waitCtx(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// MeanRate is the schedule's mean rate over [from, to): the sends intended
// in that window over its length. For a constant pacer it is the rate; for
// ramps, steps, sines and bursts it is what "requested" means when compared
// with the achieved rate of the same window.
func MeanRate(p Pacer, from, to time.Duration) float64 {
	if to <= from {
		return 0
	}
	var before uint64
	if from > 0 {
		before = p.Due(from - 1)
	}
	return float64(p.Due(to-1)-before) / (to - from).Seconds()
}
