//go:build linux

package evloop

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smp-dev/smp/load/record"
)

// The life of one connection of the loop: connect, write the request,
// read and parse the response, and what ends a request (complete, fail,
// expire).

// phase is where a connection's request is.
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
	// batched: the request left right after another, with no wait of the
	// loop in between
	batched bool
	// With io_uring (ring.go): armed, a receive is in the ring, with user
	// data recvUD; rmsg and smsg are the receive's and the send's message
	// headers (rmsg allocated by the first receive, and replaced when a
	// closed socket's receive still holds it).
	armed  bool
	recvUD uint64
	rmsg   *ringMsg
	smsg   ringMsg
}

// dial opens c's socket and starts connecting; the poll set reports the
// outcome as writable.
func (l *Loop) dial(c *conn) error {
	fd, sa, err := socket(l.addr)
	if err != nil {
		return err
	}
	c.gen++
	if l.ring != nil {
		return l.ringDial(c, fd, sa)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLOUT, Fd: int32(c.i), Pad: int32(c.gen)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = unix.Close(fd) // cleanup on an error path
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
		if c.armed {
			// A receive the ring holds keeps the socket open: shutting it
			// down ends that receive. Until its completion comes back it
			// may still copy bytes the socket had queued into its buffer
			// and control header: the connection gets new ones, and the
			// old stay referenced (not reused, not collected) until then.
			_ = unix.Shutdown(c.fd, unix.SHUT_RDWR)
			l.holdRecv(c)
		}
		_ = unix.Close(c.fd) // which also takes it out of the poll set; a client-side close has nothing to report
	}
	c.fd, c.gen, c.wantOut, c.armed, c.r, c.w = -1, c.gen+1, false, false, 0, 0
	c.ph = idle
}

// write writes what is left of c's request.
func (l *Loop) write(f Feed, c *conn) {
	if l.ring != nil {
		l.ringWrite(f, c)
		return
	}
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
func (l *Loop) handle(f Feed, c *conn, ev uint32, t time.Duration) {
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
func (l *Loop) read(f Feed, c *conn, t time.Duration) {
	if c.ph == idle {
		// Bytes or a close with no request in flight: the server closed
		// an idle keep-alive connection (or broke the protocol). Drop
		// it; the next send reconnects.
		if _, err := rawRead(c.fd, c.buf); !isAgain(err) {
			l.closeFD(c)
		}
		return
	}
	if !l.room(f, c, t) {
		return
	}
	n, rx, err := l.rx.recv(c.fd, c.buf[c.w:])
	l.received(f, c, n, rx, err, t)
}

// room makes room for more bytes after c's unconsumed ones, moving those
// to the front of the buffer. It fails c's request, and returns false,
// when the buffer is full of one response's header.
func (l *Loop) room(f Feed, c *conn, t time.Duration) bool {
	if c.w < len(c.buf) {
		return true
	}
	if c.r == 0 {
		l.fail(f, c, fmt.Errorf("%w: response header larger than the %d-byte read buffer", l.errProtocol, len(c.buf)), t)
		return false
	}
	c.w = copy(c.buf, c.buf[c.r:c.w])
	c.r = 0
	return true
}

// received parses the n bytes a read (err being its error, rx the
// kernel's receive time of them, 0 for none) put at c.buf[c.w:] at t:
// n == 0 with no error is the end of the stream.
func (l *Loop) received(f Feed, c *conn, n int, rx int64, err error, t time.Duration) {
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
func (l *Loop) complete(f Feed, c *conn, t time.Duration, resp record.Response, keep bool) {
	f.Done(c.i, record.Request{At: c.at, Sent: c.sent, Done: t, Batched: c.batched, Response: resp})
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
func (l *Loop) fail(f Feed, c *conn, err error, t time.Duration) {
	f.Done(c.i, record.Request{At: c.at, Sent: c.sent, Done: t, Batched: c.batched, Err: err})
	l.busy--
	l.closeFD(c)
	l.free = append(l.free, c)
}

// expire gives up the requests past their deadline at t, and recomputes
// the earliest deadline.
func (l *Loop) expire(f Feed, t time.Duration) {
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
func (l *Loop) abandon(f Feed, err error, t time.Duration) {
	for _, c := range l.conns {
		if c.ph != idle {
			l.fail(f, c, err, t)
		}
	}
}
