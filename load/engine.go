package load

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/smp-dev/smp/hist"
)

// startDelay gives workers time to be scheduled before the first intended
// send, so that the first sends are not late by construction.
const startDelay = 5 * time.Millisecond

// maxExtraProcs bounds the scheduler slots added for waiting workers.
const maxExtraProcs = 64

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

	// A worker holds its thread and its P (scheduler slot) during the last,
	// precise stretch of a wait (internal/precise). So that waiting workers
	// never starve the goroutines reading responses, the run gets one extra
	// P per connection (up to maxExtraProcs); the previous setting is
	// restored when the run ends. Without this, p99 at 2,000 req/s on two
	// cores rose from ~1 ms to ~12 ms.
	if p.Pacer != nil {
		prev := runtime.GOMAXPROCS(0)
		if want := runtime.NumCPU() + min(p.Connections, maxExtraProcs); want > prev {
			runtime.GOMAXPROCS(want)
			defer runtime.GOMAXPROCS(prev)
		}
	}

	// runCtx aborts connections when the caller cancels; it is released
	// once every worker is done.
	runCtx, release := context.WithCancel(ctx)
	defer release()
	conns := make([]Conn, p.Connections)
	for i := range conns {
		conns[i] = p.Dialer.Conn(runCtx)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	connectAll(conns, time.Now().Add(p.Timeout))

	start := time.Now().Add(startDelay)
	tl := newTimeline(interval)
	workers := make([]*worker, len(conns))
	var sched *schedule
	if p.Pacer != nil {
		sched = newSchedule(p.Pacer, p.Duration, p.Warmup, maxBacklog)
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		w := newWorker(runCtx, c, &p, start, tl)
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sched != nil {
				w.openLoop(sched)
			} else {
				w.closedLoop()
			}
		}()
	}

	res := &Result{
		StatusCodes: map[int]int64{},
		ErrorKinds:  map[string]int64{},
		Latency:     hist.New(),
		Uncorrected: hist.New(),
		SendLag:     hist.New(),
	}
	if p.Pacer != nil {
		res.RequestedRate = MeanRate(p.Pacer, p.Warmup, p.Duration)
	}
	// The measurement window, and the generator's CPU over it.
	waitCtx(ctx, start.Add(p.Warmup))
	u0, t0 := readUsage(), time.Now()
	waitCtx(ctx, start.Add(p.Duration))
	u1, t1 := readUsage(), time.Now()
	res.Start, res.End = t0, t1
	if ctx.Err() != nil {
		res.Partial = true
		if t1.Before(t0) {
			res.End = t0
		}
	}
	wg.Wait()

	for _, w := range workers {
		w.merge(res)
	}
	res.Timeline = tl.intervals()
	res.Client = ClientUsage{CPUTime: u1.cpu - u0.cpu, MaxRSSMB: float64(u1.maxRSS) / 1024}
	if wall := t1.Sub(t0); wall > 0 {
		res.Client.CPUMcores = 1000 * res.Client.CPUTime.Seconds() / wall.Seconds()
	}
	return res, nil
}

// connectAll opens every connection that can connect ahead of the run, in
// parallel. Failures are left for the first request to report.
func connectAll(conns []Conn, deadline time.Time) {
	var wg sync.WaitGroup
	for _, c := range conns {
		if cc, ok := c.(Connector); ok {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = cc.Connect(deadline)
			}()
		}
	}
	wg.Wait()
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
