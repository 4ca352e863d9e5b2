package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/smp-dev/smp/load/protocol"
)

// Drivers, as they appear in reports (load.driver); the names are package
// protocol's.
const (
	// DriverGoroutines runs one goroutine per connection (or HTTP/2
	// stream), blocking in the protocol client's Do.
	DriverGoroutines = protocol.DriverGoroutines
	// DriverEventLoop runs all connections from event loops, each one OS
	// thread (see LoopDialer).
	DriverEventLoop = protocol.DriverEventLoop
	// DriverUring runs the event loops on io_uring (see
	// LoopDialer and package load/uring); where io_uring is unavailable,
	// on epoll, and the result's Driver says why.
	DriverUring = protocol.DriverUring
)

// driver runs a plan's workers: it owns the connections.
type driver interface {
	// connect opens what can be opened ahead of the run.
	connect(deadline time.Time)
	// workers makes the workers (what records), each with its timeline
	// writer, before any of them runs.
	workers(ctx context.Context, p *Plan, start time.Time, tl *timeline) ([]*worker, error)
	// start runs the workers; each running part is counted in wg. sched is
	// nil in closed loop.
	start(wg *sync.WaitGroup, workers []*worker, sched *schedule)
	// close releases the connections, after wg is done.
	close()
	name() string
	// sendTolerance is the plan's send tolerance as the driver applies it.
	sendTolerance() time.Duration
}

// newDriver picks the driver for p: the event loop when p asks for it or
// leaves it to us and the client has one, else a goroutine per connection.
func newDriver(ctx context.Context, p *Plan) (driver, error) {
	if p.Driver != DriverGoroutines {
		if ld, ok := p.Dialer.(LoopDialer); ok {
			d, err := newLoopDriver(ctx, ld, p)
			if err == nil {
				return d, nil
			}
			if p.Driver == DriverEventLoop || p.Driver == DriverUring {
				return nil, fmt.Errorf("%w: driver %s: %v", ErrPlan, p.Driver, err)
			}
		} else if p.Driver == DriverEventLoop || p.Driver == DriverUring {
			return nil, fmt.Errorf("%w: driver %s: this protocol client has no event loop; expected driver %s or empty (automatic)",
				ErrPlan, p.Driver, DriverGoroutines)
		}
	}
	conns := make([]Conn, p.Connections)
	for i := range conns {
		conns[i] = p.Dialer.Conn(ctx)
	}
	return goroutineDriver{conns}, nil
}

// goroutineDriver runs a goroutine per connection.
type goroutineDriver struct{ conns []Conn }

func (d goroutineDriver) name() string { return DriverGoroutines }

// sendTolerance: each goroutine sends at its own time; sends are not
// batched.
func (d goroutineDriver) sendTolerance() time.Duration { return 0 }

// connect opens every connection that can connect ahead of the run, in
// parallel. Failures are left for the first request to report.
func (d goroutineDriver) connect(deadline time.Time) {
	var wg sync.WaitGroup
	for _, c := range d.conns {
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

func (d goroutineDriver) workers(ctx context.Context, p *Plan, start time.Time, tl *timeline) ([]*worker, error) {
	ws := make([]*worker, len(d.conns))
	for i, c := range d.conns {
		w, err := newWorker(ctx, c, p, start, tl.writer(), p.Pacer != nil)
		if err != nil {
			for _, made := range ws[:i] {
				made.wait.Close()
			}
			return nil, fmt.Errorf("load: worker %d: %w", i, err)
		}
		ws[i] = w
	}
	return ws, nil
}

func (d goroutineDriver) start(wg *sync.WaitGroup, workers []*worker, sched *schedule) {
	for _, w := range workers {
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
}

func (d goroutineDriver) close() {
	for _, c := range d.conns {
		_ = c.Close() // the run is over and its results recorded: nothing to act on
	}
}
