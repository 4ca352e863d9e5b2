package load

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// LoopDialer is a Dialer that can also drive its connections from event
// loops: each loop is one OS thread serving many non-blocking connections
// from one poll set, with no goroutine per connection and no scheduler
// hand-off per request (see package load/evloop).
type LoopDialer interface {
	Dialer
	// Loop makes the event loop of connections lo to hi-1 of the run
	// (their numbers matter to what depends on a connection's identity,
	// such as its request-mix stream). It returns an error wrapping
	// ErrNoLoop when the client's configuration can't be driven by a loop
	// (TLS, say), and the engine then runs a goroutine per connection.
	Loop(ctx context.Context, lo, hi int) (Loop, error)
}

// ErrNoLoop says a LoopDialer can't drive this configuration from a loop.
var ErrNoLoop = errors.New("no event loop for this configuration")

// EventLoop makes a Loop of l, an event loop whose Run takes F: the
// interface it declares for what it needs of the engine, which *Feed
// implements (so that the loop's package does not import the engine).
// err is the error of making l, returned wrapped in ErrNoLoop. A
// LoopDialer returns, say, EventLoop[evloop.Feed](evloop.New(ctx, cfg)).
func EventLoop[F any](l loopOf[F], err error) (Loop, error) {
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoLoop, err)
	}
	if _, ok := any((*Feed)(nil)).(F); !ok {
		return nil, fmt.Errorf("%w: the loop's feed %T is not implemented by the engine's", ErrNoLoop, (*F)(nil))
	}
	return fedLoop[F]{l}, nil
}

// loopOf is a Loop whose Run takes F.
type loopOf[F any] interface {
	Connect(deadline time.Time)
	Run(f F)
	Close() error
}

// fedLoop runs a loopOf[F] with the engine's Feed.
type fedLoop[F any] struct{ loopOf[F] }

func (l fedLoop[F]) Run(f *Feed) { l.loopOf.Run(any(f).(F)) }

// ringLoop is a loop that can run on io_uring (evloop.Loop): UseRing
// switches it, or says why it can't; RingErr says why the last Run
// could not after all.
type ringLoop interface {
	UseRing() error
	RingErr() error
}

// useRing switches l to io_uring.
func (l fedLoop[F]) useRing() error {
	r, ok := l.loopOf.(ringLoop)
	if !ok {
		return errors.New("this protocol's event loop has no io_uring path")
	}
	return r.UseRing()
}

// ringErr is why l's last Run did not use io_uring although useRing
// succeeded.
func (l fedLoop[F]) ringErr() error {
	if r, ok := l.loopOf.(ringLoop); ok {
		return r.RingErr()
	}
	return nil
}

// Loop is one event loop over some of a run's connections.
type Loop interface {
	// Connect opens the loop's connections ahead of the run, giving up at
	// deadline; failures are left for the first request to report.
	Connect(deadline time.Time)
	// Run drives the connections through f until f has no more sends
	// for any of them and none is in flight, or the loop's ctx is done
	// (requests in flight are then abandoned). It blocks, holding its
	// OS thread.
	Run(f *Feed)
	// Close releases the connections and the loop's poll set.
	Close() error
}

// Feed is the engine's side of one event loop: it hands out the sends of
// the loop's connections (numbered from 0 within the loop) and records
// what came back, into one recorder for the whole loop. Used by the loop's
// thread only.
type Feed struct {
	start    time.Time
	end      time.Duration
	timeout  time.Duration
	interval time.Duration
	// tolerance is Plan.SendTolerance (0 in closed loop)
	tolerance time.Duration
	sched     *schedule // nil: closed loop
	w         *worker
	span      *spanWriter
	late      []bool // the claim of connection i's request in flight was late
}

// Start is the instant the offsets of Next and Done count from.
func (f *Feed) Start() time.Time { return f.start }

// Timeout is how long a request may take before it is given up.
func (f *Feed) Timeout() time.Duration { return f.timeout }

// Interval is how often the loop should call Advance.
func (f *Feed) Interval() time.Duration { return f.interval }

// Tolerance is how early a send may go to leave with an earlier one
// (Plan.SendTolerance; 0 in closed loop).
func (f *Feed) Tolerance() time.Duration { return f.tolerance }

// Next claims connection i's next send, now being the time (an offset from
// Start) it is free. at is when the send is intended: at or before now,
// send it at once; later, send it then. ok is false when the run has no
// more sends for this connection.
func (f *Feed) Next(i int, now time.Duration) (at time.Duration, ok bool) {
	if f.sched == nil {
		switch {
		case now >= f.end:
			return 0, false
		case now < 0:
			return 0, true
		}
		return now, true
	}
	c, ok := f.sched.claim(now)
	f.w.res.Dropped += int64(c.dropped)
	f.late[i] = c.late
	return c.at, ok
}

// Done records connection i's request r (its offsets count from Start).
func (f *Feed) Done(i int, r record.Request) {
	f.w.record(r, f.late[i])
}

// Advance lets the timeline summarize the intervals the loop is done with.
// pending is the earliest intended time of the sends the loop has claimed
// but not recorded (in flight, or waiting for their time); any is false
// when there are none. Sends not yet claimed are intended no earlier than
// the schedule's next one (in closed loop, than now).
func (f *Feed) Advance(pending time.Duration, any bool, now time.Duration) {
	low := now
	if f.sched != nil {
		low = f.sched.nextAt()
	}
	if any && pending < low {
		low = pending
	}
	if low >= f.w.warmup {
		f.span.advance(low - f.w.warmup)
	}
}

// loopDriver runs the plan's connections from event loops.
type loopDriver struct {
	loops     []Loop
	bounds    []int // loop k serves connections bounds[k] to bounds[k+1]-1
	spans     []*spanWriter
	interval  time.Duration
	tolerance time.Duration
	// ring: the plan asked for io_uring (DriverUring); noRing is why the
	// loops run on epoll all the same (nil: they run on io_uring).
	ring   bool
	noRing error
}

// ringer is a Loop that can run on io_uring (fedLoop).
type ringer interface {
	useRing() error
	ringErr() error
}

// newLoopDriver makes p.Loops event loops, splitting the connections
// evenly. The default is one loop per 16 connections, and at most one per
// usable CPU but one: a loop drives tens of thousands of requests a second
// on one core, and every loop that waits spins through the last
// microseconds before its sends, so fewer loops cost less CPU; and a loop
// waiting for events holds its scheduler slot (P) until the runtime's
// monitor takes it back, which can take milliseconds, so a slot is left
// for the process's other goroutines (the engine's, an in-process
// target's).
func newLoopDriver(ctx context.Context, ld LoopDialer, p *Plan) (*loopDriver, error) {
	n := p.Loops
	if n == 0 {
		n = min(max(1, runtime.GOMAXPROCS(0)-1), (p.Connections+15)/16)
	}
	n = min(n, p.Connections)
	d := &loopDriver{bounds: make([]int, n+1)}
	for k := range n {
		d.bounds[k+1] = (k + 1) * p.Connections / n
		l, err := ld.Loop(ctx, d.bounds[k], d.bounds[k+1])
		if err != nil {
			d.close()
			return nil, err
		}
		d.loops = append(d.loops, l)
	}
	if p.Driver == DriverUring {
		d.useRing()
	}
	return d, nil
}

// useRing switches the loops to io_uring, or records in noRing why it
// can't.
func (d *loopDriver) useRing() {
	d.ring = true
	for _, l := range d.loops {
		r, ok := l.(ringer)
		if !ok {
			d.noRing = errors.New("this protocol's event loop has no io_uring path")
		} else {
			d.noRing = r.useRing()
		}
		if d.noRing != nil {
			// io_uring is unavailable (every loop's probe is the same, so
			// this is the first): the loops stay on epoll.
			break
		}
	}
}

// name is DriverUring when the plan asked for io_uring and every loop ran
// on it; else DriverEventLoop, saying why not when io_uring was asked for.
func (d *loopDriver) name() string {
	if !d.ring {
		return DriverEventLoop
	}
	err := d.noRing
	for _, l := range d.loops {
		if r, ok := l.(ringer); ok && err == nil {
			err = r.ringErr()
		}
	}
	if err != nil {
		return fmt.Sprintf("%s (io_uring unavailable: %v)", DriverEventLoop, err)
	}
	return DriverUring
}

func (d *loopDriver) sendTolerance() time.Duration { return d.tolerance }

func (d *loopDriver) connect(deadline time.Time) {
	var wg sync.WaitGroup
	for _, l := range d.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Connect(deadline)
		}()
	}
	wg.Wait()
}

// workers makes one worker per loop: a loop records every request of its
// connections on its own thread, so one set of histograms serves them all
// (per-connection histograms cost a cache miss per request with hundreds
// of connections).
func (d *loopDriver) workers(ctx context.Context, p *Plan, start time.Time, tl *timeline) ([]*worker, error) {
	ws := make([]*worker, len(d.loops))
	d.spans = make([]*spanWriter, len(d.loops))
	for k := range ws {
		d.spans[k] = tl.spanWriter()
		w, err := newWorker(ctx, nil, p, start, d.spans[k], false)
		if err != nil {
			return nil, fmt.Errorf("load: loop %d: %w", k, err)
		}
		ws[k] = w
	}
	d.interval = tl.interval
	if p.Pacer != nil {
		d.tolerance = p.SendTolerance
	}
	return ws, nil
}

func (d *loopDriver) start(wg *sync.WaitGroup, workers []*worker, sched *schedule) {
	for k, l := range d.loops {
		w := workers[k]
		f := &Feed{
			start: w.start, end: w.end, timeout: w.timeout, interval: d.interval, tolerance: d.tolerance,
			sched: sched, w: w, span: d.spans[k], late: make([]bool, d.bounds[k+1]-d.bounds[k]),
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Run(f)
			w.timeline.flush()
		}()
	}
}

func (d *loopDriver) close() {
	for _, l := range d.loops {
		_ = l.Close() // the run is over and its results recorded: nothing to act on
	}
}
