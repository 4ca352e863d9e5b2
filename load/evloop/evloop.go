//go:build linux

// Package evloop drives many non-blocking TCP connections of a load run
// from one OS thread, the way the C load generators do: one epoll set, one
// wait per batch of events, a read when a socket has bytes and a write when
// a send is due. Nothing per request goes through the Go scheduler (no
// goroutine wake-up, no channel, no runtime timer), reads never come back
// empty (the set is level-triggered, so a socket is read only when it has
// bytes), and waits for the next send time have nanosecond resolution
// (epoll_pwait2(2), with the thread's timer slack at 1 ns). A response is
// timed when the kernel received it (SO_TIMESTAMPNS), not when the loop got
// around to reading it.
//
// With a send tolerance (Feed.Tolerance), a send also takes along, back
// to back, every claimed send intended within the tolerance after the
// loop's time: one wake-up of the loop (and of the target) for several
// sends, each at most the tolerance early. Each finished request says
// whether it left right after another (record.Request.Batched).
//
// A protocol plugs in through Codec: what to write for a request, and how
// to parse the response from the bytes read. The schedule and the
// recording are the engine's, reached through Feed (the load engine's
// load.Feed implements it); the package does not depend on the engine.
package evloop

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/load/uring"
)

// Codec is one connection's protocol. It is used by the loop's thread
// only.
type Codec interface {
	// Request starts the next request and returns the bytes to write for
	// it, in order (body may be nil).
	Request() (head, body []byte)
	// Feed parses response bytes: b holds the bytes not consumed yet (what
	// it left last time first, then what arrived since). It returns how
	// many it consumed and whether the response is complete.
	Feed(b []byte) (n int, done bool, err error)
	// EOF says the connection closed with pending bytes not consumed:
	// done when that completes the response, else why it is cut short.
	EOF(pending int) (done bool, err error)
	// Response is the complete response, and whether the connection can
	// carry another request.
	Response() (resp record.Response, keep bool)
}

// Feed is what a loop needs from the engine: the sends of its connections
// (numbered from 0 within the loop) and the recording of what came back.
// It is used by the loop's thread only.
type Feed interface {
	// Start is the instant the offsets of Next and Done count from.
	Start() time.Time
	// Timeout is how long a request may take before it is given up.
	Timeout() time.Duration
	// Interval is how often the loop should call Advance.
	Interval() time.Duration
	// Tolerance is how early a send may go so that it leaves with an
	// earlier one: when the loop sends, it also sends every claimed send
	// intended within the next Tolerance, instead of waking again for each
	// (0: every send at its time).
	Tolerance() time.Duration
	// Next claims connection i's next send, now being the time it is
	// free: at is when the send is intended (at or before now: at once);
	// ok is false when the run has no more sends for this connection.
	Next(i int, now time.Duration) (at time.Duration, ok bool)
	// Done records connection i's finished request.
	Done(i int, r record.Request)
	// Advance says the loop is done with the sends intended before
	// pending (the earliest of those it claimed but did not record; any is
	// false when there are none), now being the loop's time.
	Advance(pending time.Duration, any bool, now time.Duration)
}

// Config is one loop.
type Config struct {
	// Addr is the host:port every connection goes to, looked up once.
	Addr string
	// Codecs has one Codec per connection of the loop.
	Codecs []Codec
	// ReadBuffer is each connection's read buffer; a response's header
	// block must fit in it.
	ReadBuffer int
	// ErrProtocol is wrapped by the loop's own protocol errors (a
	// response header larger than ReadBuffer), so that they are
	// classified as the codec's are; nil means a plain error.
	ErrProtocol error
}

// errQueueFull would mean a connection claimed a second send.
var errQueueFull = errors.New("evloop: send queue full")

// ErrTimeout is a request given up after the run's timeout.
var ErrTimeout = fmt.Errorf("no response within the timeout: %w", os.ErrDeadlineExceeded)

// Loop is one event loop (with Run taking the engine's feed, it is a
// load.Loop).
type Loop struct {
	addr netip.AddrPort
	ep   int // the epoll set
	wake int // eventfd, readable once ctx is done
	// timerEp is an epoll set with only wake in it: waiting on it is
	// waiting for a send's time without waking for responses.
	timerEp int
	quit    chan struct{}
	exited  chan struct{}
	conns   []*conn
	events  []unix.EpollEvent
	ts      unix.Timespec

	start   time.Time
	timeout time.Duration
	// tolerance is the Feed's: sends intended up to this long after the
	// loop's time leave at once.
	tolerance time.Duration
	// wakes counts the waits that could sleep (a timeout other than
	// zero); sentAwake: a send went out since the last poll (waiting or
	// not), so the next one is batched: it leaves right after it, with no
	// wake-up of its own.
	wakes     int64
	sentAwake bool
	free      []*conn // no request in flight, no claimed send
	spare     []*conn
	queue     sendQueue // claimed sends, in order of intended time
	busy      int       // requests in flight
	retired   int
	// minDeadline is at or before the earliest deadline of the requests
	// in flight (a lower bound: it is recomputed when it passes).
	minDeadline time.Duration
	// lead is how much earlier than a send's time the loop stops waiting,
	// to poll without waiting (spin) for the rest.
	lead lead
	// wall is the wall-clock reading (Unix nanoseconds) of the last poll's
	// return; rx reads responses with their receive timestamps; rxOK: the
	// last response had one.
	wall int64
	rx   receiver
	rxOK bool
	// errProtocol is Config.ErrProtocol.
	errProtocol error
	// ringWanted: Run drives the connections through io_uring (ring.go),
	// ring being the run's; ringErr says why the last Run could not.
	ringWanted bool
	ring       *uring.Ring
	ringErr    error
	wakeBuf    [8]byte
	// held are the receives of closed sockets still in the ring, by user
	// data (ring.go).
	held map[uint64]heldRecv
}

// wakeData marks the eventfd's events.
const wakeData = -1

// New makes a loop; ctx being done stops Connect and Run. An error means
// the loop can't run here (the kernel lacks what it needs, say), and the
// caller should drive the connections otherwise.
func New(ctx context.Context, cfg Config) (*Loop, error) {
	if len(cfg.Codecs) == 0 {
		return nil, errors.New("evloop: no connections")
	}
	if cfg.ReadBuffer < 64 {
		return nil, fmt.Errorf("evloop: read buffer %d bytes: expected at least 64", cfg.ReadBuffer)
	}
	addr, err := resolve(ctx, cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("evloop: %w", err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("evloop: epoll_create1: %w", err)
	}
	l := &Loop{
		addr: addr, ep: ep, wake: -1, timerEp: -1,
		quit: make(chan struct{}), exited: make(chan struct{}),
		events: make([]unix.EpollEvent, min(len(cfg.Codecs)+1, 256)),
		queue:  newSendQueue(len(cfg.Codecs)),

		errProtocol: cfg.ErrProtocol,
	}
	if l.errProtocol == nil {
		l.errProtocol = errors.New("protocol error")
	}
	if _, err := wait(ep, l.events, &l.ts); err != nil {
		_ = unix.Close(ep) // cleanup on an error path
		return nil, fmt.Errorf("evloop: epoll_pwait2 (Linux 5.11 or later): %w", err)
	}
	l.wake, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err == nil {
		err = unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, l.wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: wakeData})
	}
	if err == nil {
		l.timerEp, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	}
	if err == nil {
		err = unix.EpollCtl(l.timerEp, unix.EPOLL_CTL_ADD, l.wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: wakeData})
	}
	if err != nil {
		for _, fd := range []int{l.wake, l.timerEp} {
			if fd >= 0 {
				_ = unix.Close(fd) // cleanup on an error path
			}
		}
		_ = unix.Close(ep)
		return nil, fmt.Errorf("evloop: eventfd: %w", err)
	}
	for i, c := range cfg.Codecs {
		l.conns = append(l.conns, &conn{i: i, fd: -1, codec: c, buf: make([]byte, cfg.ReadBuffer)})
	}
	go func() {
		defer close(l.exited)
		select {
		case <-ctx.Done():
			one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
			_, _ = unix.Write(l.wake, one)
		case <-l.quit:
		}
	}()
	return l, nil
}

// Close releases the connections and the poll set.
func (l *Loop) Close() error {
	close(l.quit)
	<-l.exited
	for _, c := range l.conns {
		l.closeFD(c)
	}
	return errors.Join(unix.Close(l.wake), unix.Close(l.timerEp), unix.Close(l.ep))
}

// Connect opens the connections ahead of the run, giving up at deadline:
// it starts every connection's connect at once and waits for them all.
// Failures are left for the first request to report.
func (l *Loop) Connect(deadline time.Time) {
	pending := 0
	for _, c := range l.conns {
		if c.fd < 0 && l.dial(c) == nil {
			pending++
		}
	}
	for pending > 0 {
		d := time.Until(deadline)
		if d <= 0 {
			break
		}
		l.ts = unix.NsecToTimespec(int64(d))
		n, err := wait(l.ep, l.events, &l.ts)
		if err != nil {
			break
		}
		for _, ev := range l.events[:n] {
			if ev.Fd == wakeData {
				pending = 0
				break
			}
			c := l.conns[ev.Fd]
			if uint32(ev.Pad) != c.gen || c.ph != connecting {
				continue
			}
			pending--
			if connectErr(c.fd) != nil {
				l.closeFD(c)
				continue
			}
			c.ph = idle
			l.watchOut(c, false)
		}
	}
	for _, c := range l.conns {
		if c.ph == connecting {
			l.closeFD(c)
		}
	}
}

// Run drives the connections through f until f has no more sends for any
// of them and none is in flight, or the loop's ctx is done. It blocks,
// holding its OS thread.
func (l *Loop) Run(f Feed) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Waits end within a nanosecond of the deadline rather than the
	// default 50 µs timer slack (epoll_pwait2 honours the thread's slack).
	if old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0); err == nil {
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
		// Restoring the slack can fail only as setting it did: nothing to act on.
		defer func() { _ = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0) }()
	}
	l.start, l.timeout, l.tolerance = f.Start(), f.Timeout(), max(0, f.Tolerance())
	l.wakes, l.sentAwake = 0, false
	l.free = l.free[:0]
	for i := len(l.conns) - 1; i >= 0; i-- { // connection 0 first
		l.free = append(l.free, l.conns[i])
	}
	// The timeline can summarize an interval once the loop has recorded
	// every request intended in it; it is told about once an interval.
	nextAdvance := f.Interval()
	l.ringErr = nil
	if l.ringWanted {
		if l.ringErr = l.startRing(f); l.ringErr == nil {
			l.runRing(f, nextAdvance)
			return
		}
	}
	for {
		l.dispatch(f)
		if l.retired == len(l.conns) {
			return
		}
		var ts *unix.Timespec
		w := l.nextWait()
		slept := w.slept
		waitOn := l.ep
		if w.quiet {
			waitOn = l.timerEp
		}
		if w.timed {
			l.ts = unix.NsecToTimespec(int64(w.d))
			ts = &l.ts
		}
		if !w.timed || w.d > 0 { // not a poll: it may sleep
			l.wakes++
		}
		l.sentAwake = false
		n, err := wait(waitOn, l.events, ts)
		if err == nil && waitOn == l.timerEp {
			if n > 0 {
				return // the wake eventfd: cancelled
			}
			if n == 0 && slept >= 0 {
				l.lead.observe(l.now() - slept)
				slept = -1
			}
			l.ts = unix.Timespec{}
			n, err = wait(l.ep, l.events, &l.ts) // what came meanwhile
		}
		now := time.Now()
		t := now.Sub(l.start)
		l.wall = now.UnixNano()
		if err != nil {
			l.abandon(f, &opError{"epoll_pwait2", err}, t)
			return
		}
		if n == 0 && slept >= 0 {
			l.lead.observe(t - slept)
		}
		for _, ev := range l.events[:n] {
			if ev.Fd == wakeData {
				return // cancelled: requests in flight are not counted
			}
			c := l.conns[ev.Fd]
			if uint32(ev.Pad) == c.gen && c.fd >= 0 {
				l.handle(f, c, ev.Events, t)
			}
		}
		if l.busy > 0 && t >= l.minDeadline {
			l.expire(f, t)
		}
		if t >= nextAdvance {
			at, any := l.pending()
			f.Advance(at, any, t)
			// A quarter interval: the live progress (Plan.Progress) sees a
			// finished interval soon after its end.
			nextAdvance = t + f.Interval()/4
		}
	}
}

// pending is the earliest intended time of the sends claimed and not yet
// recorded: in flight, or queued for their time.
func (l *Loop) pending() (at time.Duration, any bool) {
	if l.queue.len() > 0 {
		at, any = l.queue.peek().at, true
	}
	for _, c := range l.conns {
		if c.ph != idle && (!any || c.at < at) {
			at, any = c.at, true
		}
	}
	return at, any
}

func (l *Loop) now() time.Duration { return time.Since(l.start) }

// Wakeups is how many times the last Run waited with a timeout (or
// none), and so could sleep: at most one wake-up each. Sends that leave
// together share one.
func (l *Loop) Wakeups() int64 { return l.wakes }

// nextTimer is when the loop must wake without an event: the next queued
// send, or the earliest deadline of a request in flight.
func (l *Loop) nextTimer() (time.Duration, bool) {
	next, ok := time.Duration(0), false
	if l.queue.len() > 0 {
		next, ok = l.queue.peek().at, true
	}
	if l.busy > 0 && (!ok || l.minDeadline < next) {
		next, ok = l.minDeadline, true
	}
	return next, ok
}

// dispatch sends what is due, and claims the next send of every free
// connection (sending it at once when it is already due, or due within the
// tolerance).
func (l *Loop) dispatch(f Feed) {
	t := l.sendDue(f, l.now())
	cur := l.free
	l.free = l.spare[:0]
	for _, c := range cur {
		at, ok := f.Next(c.i, t)
		if !ok {
			l.retired++
			continue
		}
		if at > t+l.tolerance {
			if !l.queue.push(c, at) {
				// Cannot happen (a free connection is in no queue); if it
				// did, the request shows as failed rather than lost.
				l.busy++
				l.fail(f, c, errQueueFull, t)
			}
			continue
		}
		t = l.send(f, c, at)
	}
	l.spare = cur[:0]
	l.sendDue(f, t)
}

// sendDue sends the queued sends intended at or before t plus the
// tolerance (t refreshed as it goes), back to back, and returns the last
// time it read.
func (l *Loop) sendDue(f Feed, t time.Duration) time.Duration {
	for l.queue.len() > 0 {
		q := l.queue.peek()
		if q.at > t+l.tolerance {
			if t = l.now(); q.at > t+l.tolerance {
				break
			}
		}
		l.queue.pop()
		t = l.send(f, q.c, q.at)
	}
	return t
}

// send starts c's request intended at at, and returns when it was sent.
func (l *Loop) send(f Feed, c *conn, at time.Duration) time.Duration {
	t := l.now()
	c.at, c.sent, c.deadline = at, t, t+l.timeout
	c.batched, l.sentAwake = l.sentAwake, true
	if l.busy == 0 || c.deadline < l.minDeadline {
		l.minDeadline = c.deadline
	}
	l.busy++
	c.out, c.body = c.codec.Request()
	if c.fd < 0 {
		if err := l.dial(c); err != nil {
			l.fail(f, c, err, t)
		}
		return t
	}
	l.write(f, c)
	return t
}

// waitPlan is how long the loop's next wait may last.
type waitPlan struct {
	// timed: the wait ends after d (0: poll without waiting, which is how
	// the loop spins within the lead of a send); untimed: it lasts until
	// an event.
	timed bool
	d     time.Duration
	// slept is the time a wait for a send asks to end at (-1: not a wait
	// for a send), so that how late it ended teaches the lead.
	slept time.Duration
	// quiet: with another send claimed after this one and responses timed
	// by the kernel, responses can wait for this wake-up (a sleep saved per
	// response: each costs tens of µs of CPU on a virtual machine).
	quiet bool
}

// nextWait plans the next wait, the same for epoll and io_uring: a poll
// when connections were freed while dispatching, else until the next
// timer, less the lead before a send.
func (l *Loop) nextWait() waitPlan {
	w := waitPlan{slept: -1}
	if len(l.free) > 0 {
		w.timed = true
		return w
	}
	next, ok := l.nextTimer()
	if !ok {
		return w
	}
	forSend := l.queue.len() > 0 && next == l.queue.peek().at
	if forSend {
		next -= l.lead.d
	}
	d := next - l.now()
	if d > 0 && forSend {
		w.slept = next
		w.quiet = l.queue.len() >= 2 && l.rxOK
	}
	w.timed, w.d = true, max(0, d)
	return w
}
