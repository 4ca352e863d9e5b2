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
// A protocol plugs in through Codec: what to write for a request, and how
// to parse the response from the bytes read. The schedule and the
// recording are the engine's (load.Feed).
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

	"github.com/smp-dev/smp/load"
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
	Response() (resp load.Response, keep bool)
}

// Config is one loop.
type Config struct {
	Addr netip.AddrPort
	// Codecs has one Codec per connection of the loop.
	Codecs []Codec
	// ReadBuffer is each connection's read buffer; a response's header
	// block must fit in it.
	ReadBuffer int
}

// errQueueFull would mean a connection claimed a second send.
var errQueueFull = errors.New("evloop: send queue full")

// ErrTimeout is a request given up after the run's timeout.
var ErrTimeout = fmt.Errorf("no response within the timeout: %w", os.ErrDeadlineExceeded)

type phase uint8

const (
	idle       phase = iota // no request in flight
	connecting              // a non-blocking connect in progress
	writing                 // the request partly written
	reading                 // waiting for the response
)

// conn is one connection of the loop.
type conn struct {
	i     int    // in Loop.conns and in the Feed
	fd    int    // -1: not connected
	gen   uint32 // changes with fd, so that stale events are ignored
	ph    phase
	out   []byte // unwritten request bytes: out, then body
	body  []byte
	buf   []byte
	r, w  int // unconsumed bytes are buf[r:w]
	codec Codec
	// the request in flight (offsets from the run start)
	at, sent, deadline time.Duration
	wantOut            bool // EPOLLOUT is in the poll set for fd
	retired            bool // the feed has no more sends for it
}

// Loop is one event loop; it implements load.Loop.
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
	free    []*conn // no request in flight, no claimed send
	spare   []*conn
	queue   sendQueue // claimed sends, in order of intended time
	busy    int       // requests in flight
	retired int
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
}

var _ load.Loop = (*Loop)(nil)

// wakeData marks the eventfd's events.
const wakeData = -1

// New makes a loop; ctx being done stops Connect and Run. It returns an
// error wrapping load.ErrNoLoop when the kernel lacks what the loop needs.
func New(ctx context.Context, cfg Config) (*Loop, error) {
	if len(cfg.Codecs) == 0 {
		return nil, errors.New("evloop: no connections")
	}
	if cfg.ReadBuffer < 64 {
		return nil, fmt.Errorf("evloop: read buffer %d bytes: expected at least 64", cfg.ReadBuffer)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("%w: epoll_create1: %v", load.ErrNoLoop, err)
	}
	l := &Loop{
		addr: cfg.Addr, ep: ep, wake: -1, timerEp: -1,
		quit: make(chan struct{}), exited: make(chan struct{}),
		events: make([]unix.EpollEvent, min(len(cfg.Codecs)+1, 256)),
		queue:  newSendQueue(len(cfg.Codecs)),
	}
	if _, err := wait(ep, l.events, &l.ts); err != nil {
		unix.Close(ep)
		return nil, fmt.Errorf("%w: epoll_pwait2 (Linux 5.11 or later): %v", load.ErrNoLoop, err)
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
				unix.Close(fd)
			}
		}
		unix.Close(ep)
		return nil, fmt.Errorf("%w: eventfd: %v", load.ErrNoLoop, err)
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

// Close implements load.Loop.
func (l *Loop) Close() error {
	close(l.quit)
	<-l.exited
	for _, c := range l.conns {
		l.closeFD(c)
	}
	unix.Close(l.wake)
	unix.Close(l.timerEp)
	return unix.Close(l.ep)
}

// Connect implements load.Loop: it starts every connection's connect at
// once and waits for them all.
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

// Run implements load.Loop.
func (l *Loop) Run(f *load.Feed) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Waits end within a nanosecond of the deadline rather than the
	// default 50 µs timer slack (epoll_pwait2 honours the thread's slack).
	if old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0); err == nil {
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
		defer unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0)
	}
	l.start, l.timeout = f.Start(), f.Timeout()
	l.free = l.free[:0]
	for i := len(l.conns) - 1; i >= 0; i-- { // connection 0 first
		l.free = append(l.free, l.conns[i])
	}
	// The timeline can summarize an interval once the loop has recorded
	// every request intended in it; it is told about once an interval.
	nextAdvance := f.Interval()
	for {
		l.dispatch(f)
		if l.retired == len(l.conns) {
			return
		}
		var ts *unix.Timespec
		// slept is the time a wait for a send asked to end at, or -1.
		slept := time.Duration(-1)
		waitOn := l.ep
		if len(l.free) > 0 {
			l.ts = unix.Timespec{} // freed while dispatching: just poll
			ts = &l.ts
		} else if next, ok := l.nextTimer(); ok {
			forSend := l.queue.len() > 0 && next == l.queue.peek().at
			if forSend {
				next -= l.lead.d
			}
			// Within the lead of a send, poll without waiting (spin).
			d := next - l.now()
			if d > 0 && forSend {
				slept = next
				// With another send claimed after this one and responses
				// timed by the kernel, responses can wait for this wake-up:
				// a sleep saved per response (each costs tens of µs of CPU
				// on a virtual machine).
				if l.queue.len() >= 2 && l.rxOK {
					waitOn = l.timerEp
				}
			}
			l.ts = unix.NsecToTimespec(int64(max(0, d)))
			ts = &l.ts
		}
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
			nextAdvance = t + f.Interval()
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
// connection (sending it at once when it is already due).
func (l *Loop) dispatch(f *load.Feed) {
	t := l.sendDue(f, l.now())
	cur := l.free
	l.free = l.spare[:0]
	for _, c := range cur {
		at, ok := f.Next(c.i, t)
		if !ok {
			c.retired = true
			l.retired++
			continue
		}
		if at > t {
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

// sendDue sends the queued sends intended at or before t (refreshed as it
// goes), and returns the last time it read.
func (l *Loop) sendDue(f *load.Feed, t time.Duration) time.Duration {
	for l.queue.len() > 0 {
		q := l.queue.peek()
		if q.at > t {
			if t = l.now(); q.at > t {
				break
			}
		}
		l.queue.pop()
		t = l.send(f, q.c, q.at)
	}
	return t
}

// send starts c's request intended at at, and returns when it was sent.
func (l *Loop) send(f *load.Feed, c *conn, at time.Duration) time.Duration {
	t := l.now()
	c.at, c.sent, c.deadline = at, t, t+l.timeout
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

// dial opens c's socket and starts connecting; the poll set reports the
// outcome as writable.
func (l *Loop) dial(c *conn) error {
	fd, sa, err := socket(l.addr)
	if err != nil {
		return err
	}
	c.gen++
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLOUT, Fd: int32(c.i), Pad: int32(c.gen)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return &opError{"epoll_ctl", err}
	}
	c.fd, c.wantOut, c.r, c.w = fd, true, 0, 0
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		l.closeFD(c)
		return &opError{"connect", err}
	}
	c.ph = connecting
	return nil
}

// watchOut adds or removes EPOLLOUT for c: wanted only while connecting or
// with bytes left to write (the set is level-triggered).
func (l *Loop) watchOut(c *conn, on bool) {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.i), Pad: int32(c.gen)}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	if unix.EpollCtl(l.ep, unix.EPOLL_CTL_MOD, c.fd, &ev) == nil {
		c.wantOut = on
	}
}

func (l *Loop) closeFD(c *conn) {
	if c.fd >= 0 {
		unix.Close(c.fd) // which also takes it out of the poll set
	}
	c.fd, c.gen, c.wantOut, c.r, c.w = -1, c.gen+1, false, 0, 0
	c.ph = idle
}

// write writes what is left of c's request.
func (l *Loop) write(f *load.Feed, c *conn) {
	for {
		if len(c.out) == 0 {
			if c.body == nil {
				break
			}
			c.out, c.body = c.body, nil
			continue
		}
		n, err := rawWrite(c.fd, c.out)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if isAgain(err) {
				c.ph = writing
				if !c.wantOut {
					l.watchOut(c, true)
				}
				return
			}
			l.fail(f, c, &opError{"write", err}, l.now())
			return
		}
		c.out = c.out[n:]
	}
	c.ph = reading
	if c.wantOut {
		l.watchOut(c, false)
	}
}

// handle acts on the events of c's socket, seen at t.
func (l *Loop) handle(f *load.Feed, c *conn, ev uint32, t time.Duration) {
	if c.ph == connecting {
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		if err := connectErr(c.fd); err != nil {
			l.fail(f, c, &opError{"connect", err}, t)
			return
		}
		c.ph = writing
		l.write(f, c)
		return
	}
	if c.ph == writing && ev&unix.EPOLLOUT != 0 {
		l.write(f, c)
	}
	if c.fd >= 0 && ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		l.read(f, c, t)
	}
}

// read reads what c's socket has and parses it.
func (l *Loop) read(f *load.Feed, c *conn, t time.Duration) {
	if c.ph == idle {
		// Bytes or a close with no request in flight: the server closed
		// an idle keep-alive connection (or broke the protocol). Drop
		// it; the next send reconnects.
		if _, err := rawRead(c.fd, c.buf); !isAgain(err) {
			l.closeFD(c)
		}
		return
	}
	if c.w == len(c.buf) {
		if c.r == 0 {
			l.fail(f, c, fmt.Errorf("%w: response header larger than the %d-byte read buffer", load.ErrProtocol, len(c.buf)), t)
			return
		}
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	n, rx, err := l.rx.recv(c.fd, c.buf[c.w:])
	switch {
	case err == nil && n == 0:
		done, perr := c.codec.EOF(c.w - c.r)
		if done {
			resp, _ := c.codec.Response()
			l.complete(f, c, t, resp, false)
		} else {
			l.fail(f, c, perr, t)
		}
		return
	case err == nil:
	case isAgain(err), err == unix.EINTR:
		return
	default:
		l.fail(f, c, &opError{"read", err}, t)
		return
	}
	c.w += n
	m, done, perr := c.codec.Feed(c.buf[c.r:c.w])
	c.r += m
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	switch {
	case perr != nil:
		l.fail(f, c, perr, t)
	case done:
		resp, keep := c.codec.Response()
		// A response that came before the whole request was written
		// leaves the connection unusable.
		l.complete(f, c, l.arrived(c, rx, t), resp, keep && c.ph == reading)
	}
}

// arrived is when c's response was complete: when the kernel received
// its last bytes (rx, Unix nanoseconds), counted back from t, the time the
// poll returned (whose wall-clock reading is l.wall; only the difference
// of two close wall-clock readings is used, so clock adjustments do not
// matter). Without a timestamp, or with one that makes no sense (before
// the request was sent, after the poll returned), it is t.
func (l *Loop) arrived(c *conn, rx int64, t time.Duration) time.Duration {
	l.rxOK = rx != 0
	if rx == 0 {
		return t
	}
	age := time.Duration(l.wall - rx)
	if age < 0 || age >= t-c.sent {
		return t
	}
	return t - age
}

// complete records c's response, done at t.
func (l *Loop) complete(f *load.Feed, c *conn, t time.Duration, resp load.Response, keep bool) {
	f.Done(c.i, c.at, c.sent, t, resp, nil)
	l.busy--
	if keep {
		c.ph = idle
	} else {
		l.closeFD(c)
	}
	l.free = append(l.free, c)
}

// fail records c's request as failed with err at t, and drops the
// connection.
func (l *Loop) fail(f *load.Feed, c *conn, err error, t time.Duration) {
	f.Done(c.i, c.at, c.sent, t, load.Response{}, err)
	l.busy--
	l.closeFD(c)
	l.free = append(l.free, c)
}

// expire gives up the requests past their deadline at t, and recomputes
// the earliest deadline.
func (l *Loop) expire(f *load.Feed, t time.Duration) {
	first := false
	for _, c := range l.conns {
		if c.ph == idle {
			continue
		}
		if c.deadline <= t {
			l.fail(f, c, ErrTimeout, t)
			continue
		}
		if !first || c.deadline < l.minDeadline {
			l.minDeadline, first = c.deadline, true
		}
	}
}

// abandon fails every request in flight with err, and retires every
// connection: the loop can't go on.
func (l *Loop) abandon(f *load.Feed, err error, t time.Duration) {
	for _, c := range l.conns {
		if c.ph != idle {
			l.fail(f, c, err, t)
		}
	}
}
