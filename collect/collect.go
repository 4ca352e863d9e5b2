// Package collect samples what the components of a deployment cost while
// load runs: CPU time and resident memory, per component, as series that
// are cut to the measurement window afterwards. A Collector is one source
// (procfs, Prometheus; cgroup and Envoy admin fit the same shape).
package collect

import (
	"context"
	"time"
)

// Target is one thing to watch.
type Target struct {
	Name string
	Role string
	// PID identifies a process; Namespace, Pod and Container a container
	// in a cluster (a Pod ending in * stands for every pod whose name
	// starts with what comes before it: the pods a Job names). A collector
	// uses the identity it understands.
	PID       int
	Namespace string
	Pod       string
	Container string
	// Tree includes the process's descendants (nginx workers, say).
	Tree bool
}

// Sample is one reading: cumulative CPU time and current resident memory.
type Sample struct {
	At  time.Time
	CPU time.Duration
	RSS int64 // bytes
}

// Series is a target's readings, in time order.
type Series struct {
	Target
	Samples []Sample
	Source  string // where the numbers come from
	// Note says why a series has no samples (or fewer than it should):
	// the source had no data for the target, or could not be asked. An
	// empty series is never a measured zero. Empty when nothing is amiss.
	Note string
}

// Collector samples targets until stopped.
type Collector interface {
	// Start begins sampling every target; it returns at once.
	Start(ctx context.Context, targets []Target) error
	// Stop takes a last sample, ends sampling and returns the series.
	Stop() []Series
}

// Usage is a series cut to a window.
type Usage struct {
	CPUMcores    float64 // average over the window, thousandths of a core
	CPUMcoresMax float64 // highest between two consecutive samples
	MemMB        float64 // mean of samples in the window, MiB
	MemMBMax     float64
	Samples      int
}

// Window cuts s to [from, to]. CPU is interpolated linearly between the
// samples around each end, so the window need not fall on a sample; memory
// is averaged over the samples inside it (or the nearest one when none is).
func Window(s Series, from, to time.Time) Usage {
	var u Usage
	if len(s.Samples) == 0 || !to.After(from) {
		return u
	}
	wall := to.Sub(from).Seconds()
	u.CPUMcores = 1000 * (cpuAt(s.Samples, to) - cpuAt(s.Samples, from)).Seconds() / wall
	var memSum float64
	var prev *Sample
	for i := range s.Samples {
		x := &s.Samples[i]
		if x.At.Before(from) || x.At.After(to) {
			continue
		}
		u.Samples++
		mb := float64(x.RSS) / (1 << 20)
		memSum += mb
		u.MemMBMax = max(u.MemMBMax, mb)
		if prev != nil {
			if d := x.At.Sub(prev.At).Seconds(); d > 0 {
				u.CPUMcoresMax = max(u.CPUMcoresMax, 1000*(x.CPU-prev.CPU).Seconds()/d)
			}
		}
		prev = x
	}
	if u.Samples > 0 {
		u.MemMB = memSum / float64(u.Samples)
	} else {
		near := nearest(s.Samples, from.Add(to.Sub(from)/2))
		u.MemMB = float64(near.RSS) / (1 << 20)
		u.MemMBMax = u.MemMB
	}
	u.CPUMcoresMax = max(u.CPUMcoresMax, u.CPUMcores)
	return u
}

// cpuAt interpolates cumulative CPU at t (clamped to the series' ends).
func cpuAt(ss []Sample, t time.Time) time.Duration {
	if !t.After(ss[0].At) {
		return ss[0].CPU
	}
	for i := 1; i < len(ss); i++ {
		if !t.After(ss[i].At) {
			a, b := ss[i-1], ss[i]
			span := b.At.Sub(a.At)
			if span <= 0 {
				return b.CPU
			}
			f := float64(t.Sub(a.At)) / float64(span)
			return a.CPU + time.Duration(f*float64(b.CPU-a.CPU))
		}
	}
	return ss[len(ss)-1].CPU
}

func nearest(ss []Sample, t time.Time) Sample {
	best := ss[0]
	for _, x := range ss[1:] {
		if absDur(x.At.Sub(t)) < absDur(best.At.Sub(t)) {
			best = x
		}
	}
	return best
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Poll calls f at once and then every interval until the returned stop is
// called (or ctx is done); stop returns once f has run for the last time.
// It is the sampling loop of the collectors that poll.
func Poll(ctx context.Context, interval time.Duration, f func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	f(ctx)
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				f(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}
