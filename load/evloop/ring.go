//go:build linux

package evloop

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smp-dev/smp/load/uring"
)

// The loop's io_uring path (UseRing): the same connections, codecs, send
// queue and recording as the epoll path, with the system calls replaced by
// entries of one ring. Every send prepared while dispatching, and every
// receive re-armed, goes to the kernel in the io_uring_enter(2) that then
// waits for completions (or the next send's time): one system call per
// wake-up of the loop instead of a write per send, a read per response and
// a poll. Each connected socket has one receive (recvmsg, for the kernel's
// receive timestamp) waiting in the ring; connects are polled in the ring.
// Cancellation is a read of the wake eventfd in the ring.

// ringMsg is a message header with its vectors and control buffer, one
// per connection and direction: the kernel reads it when the entry runs.
type ringMsg struct {
	hdr unix.Msghdr
	iov [2]unix.Iovec
	oob [64]byte
}

// What a completion is for: its user data is tag<<56 | gen<<32 | conn.
const (
	tagRecv = 1 + iota
	tagSend
	tagConnect
	tagWake
)

func userData(tag uint64, c *conn) uint64 {
	return tag<<56 | uint64(c.gen&0xffffff)<<32 | uint64(uint32(c.i))
}

// ringFlags are the setup flags tried first: completion work deferred to
// the loop's own waits, which then wake only for as many completions as
// they ask for (Linux 6.1); without them where the kernel lacks them.
const ringFlags = uring.SetupSingleIssuer | uring.SetupDeferTaskrun

func newRing(entries uint32) (*uring.Ring, error) {
	r, err := uring.New(entries, ringFlags)
	if errors.Is(err, unix.EINVAL) {
		r, err = uring.New(entries, 0)
	}
	return r, err
}

// UseRing makes Run drive the connections through io_uring instead of
// epoll. It sets up a ring to see that the kernel allows it, and returns
// why not when it does not (ENOSYS: no io_uring; EPERM: seccomp or
// kernel.io_uring_disabled), leaving the loop on epoll.
func (l *Loop) UseRing() error {
	r, err := newRing(8)
	if err != nil {
		return err
	}
	_ = r.Close() // a probe: nothing to act on
	l.ringWanted = true
	return nil
}

// RingErr is why the last Run used epoll although UseRing succeeded
// (setting up the run's ring failed), nil when it did not.
func (l *Loop) RingErr() error { return l.ringErr }

// startRing sets up the run's ring on the loop's thread (a single-issuer
// ring belongs to the thread that first submits), takes the connected
// sockets out of the epoll set, and arms their receives and the wake read.
func (l *Loop) startRing(f Feed) error {
	entries := uint32(8)
	for entries < uint32(4*len(l.conns)+8) {
		entries *= 2
	}
	r, err := newRing(entries)
	if err != nil {
		return err
	}
	l.ring = r
	// Receives held for sockets closed in an earlier run (their ring is
	// closed and its requests are cancelled) are let go.
	l.held = nil
	for _, c := range l.conns {
		if c.fd >= 0 {
			// Out of the epoll set: no poll-set work per packet meanwhile.
			_ = unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, c.fd, nil)
			l.arm(f, c, 0)
		}
	}
	l.prep(func() (*uring.SQE, error) { return l.ring.Read(l.wake, l.wakeBuf[:], tagWake<<56) })
	return nil
}

// stopRing closes the ring (which cancels what is in it); the loop is on
// epoll again for Close.
func (l *Loop) stopRing() {
	_ = l.ring.Close() // the run is over: nothing to act on
	l.ring = nil
	for _, c := range l.conns {
		c.armed = false
	}
}

// prep queues one entry, submitting what is queued first if the queue is
// full (it is sized so that it never is between two waits).
func (l *Loop) prep(fn func() (*uring.SQE, error)) {
	if _, err := fn(); errors.Is(err, uring.ErrFull) {
		_, _ = l.ring.Enter(0, 0) // an error shows on the next wait
		_, _ = fn()
	}
}

// heldRecv is the buffer and header of a receive still in the ring for a
// socket closed since (closeFD): the kernel may write them until its
// completion arrives.
type heldRecv struct {
	buf []byte
	msg *ringMsg
}

// holdRecv keeps c's armed receive's buffer and header until its
// completion, and gives c new ones.
func (l *Loop) holdRecv(c *conn) {
	if l.held == nil {
		l.held = map[uint64]heldRecv{}
	}
	l.held[c.recvUD] = heldRecv{buf: c.buf, msg: c.rmsg}
	c.buf, c.rmsg = make([]byte, len(c.buf)), nil
}

// arm queues a receive for c's socket into its buffer after the bytes not
// consumed yet.
func (l *Loop) arm(f Feed, c *conn, t time.Duration) {
	if c.armed || c.fd < 0 || !l.room(f, c, t) {
		return
	}
	if c.rmsg == nil {
		c.rmsg = new(ringMsg)
	}
	m := c.rmsg
	m.iov[0].Base = &c.buf[c.w]
	m.iov[0].SetLen(len(c.buf) - c.w)
	m.hdr = unix.Msghdr{Iov: &m.iov[0], Control: &m.oob[0]}
	m.hdr.SetIovlen(1)
	m.hdr.SetControllen(len(m.oob))
	c.armed = true
	fd, ud := c.fd, userData(tagRecv, c)
	c.recvUD = ud
	l.prep(func() (*uring.SQE, error) { return l.ring.Recvmsg(fd, &m.hdr, ud) })
}

// ringDial starts connecting c's new socket fd to sa; the ring reports the
// outcome as writable.
func (l *Loop) ringDial(c *conn, fd int, sa unix.Sockaddr) error {
	c.fd, c.r, c.w = fd, 0, 0
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		l.closeFD(c)
		return &opError{"connect", err}
	}
	c.ph = connecting
	ud := userData(tagConnect, c)
	l.prep(func() (*uring.SQE, error) { return l.ring.PollAdd(fd, unix.POLLOUT, ud) })
	return nil
}

// ringWrite queues the send of what is left of c's request.
func (l *Loop) ringWrite(f Feed, c *conn) {
	m := &c.smsg
	n := 0
	for _, b := range [2][]byte{c.out, c.body} {
		if len(b) > 0 {
			m.iov[n].Base = &b[0]
			m.iov[n].SetLen(len(b))
			n++
		}
	}
	if n == 0 {
		c.ph = reading
		return
	}
	c.ph = writing
	fd, ud := c.fd, userData(tagSend, c)
	if n == 1 && len(c.body) == 0 {
		out := c.out
		l.prep(func() (*uring.SQE, error) { return l.ring.Send(fd, out, ud) })
		return
	}
	m.hdr = unix.Msghdr{Iov: &m.iov[0]}
	m.hdr.SetIovlen(n)
	l.prep(func() (*uring.SQE, error) { return l.ring.Sendmsg(fd, &m.hdr, ud) })
}

// completed acts on one completion, seen at t. It reports false when the
// loop is cancelled.
func (l *Loop) completed(f Feed, e uring.CQE, t time.Duration) bool {
	tag := e.UserData >> 56
	if tag == tagWake {
		return false
	}
	if tag == tagRecv {
		if _, ok := l.held[e.UserData]; ok {
			delete(l.held, e.UserData) // the closed socket's receive is over
			return true
		}
	}
	c := l.conns[uint32(e.UserData)]
	if uint32(e.UserData>>32)&0xffffff != c.gen&0xffffff || c.fd < 0 {
		return true // for a socket closed since
	}
	switch tag {
	case tagConnect:
		if c.ph != connecting {
			return true
		}
		if err := connectErr(c.fd); err != nil {
			l.fail(f, c, &opError{"connect", err}, t)
			return true
		}
		l.arm(f, c, t)
		l.ringWrite(f, c)
	case tagSend:
		if c.ph != writing {
			return true
		}
		if err := e.Err(); err != nil {
			l.fail(f, c, &opError{"write", err}, t)
			return true
		}
		n := int(e.Res)
		k := min(n, len(c.out))
		c.out, n = c.out[k:], n-k
		if c.body != nil {
			c.body = c.body[min(n, len(c.body)):]
			if len(c.body) == 0 {
				c.body = nil
			}
		}
		l.ringWrite(f, c)
	case tagRecv:
		c.armed = false
		if c.ph == idle || c.ph == connecting {
			// Bytes or a close with no request in flight: the server
			// closed an idle keep-alive connection. Dropped, as on epoll.
			l.closeFD(c)
			return true
		}
		n, err := int(e.Res), e.Err()
		if err != nil {
			n = 0
		}
		m := c.rmsg
		rx := rxTime(m.oob[:min(uint64(len(m.oob)), m.hdr.Controllen)])
		gen := c.gen
		l.received(f, c, n, rx, err, t)
		if c.gen == gen {
			l.arm(f, c, t)
		}
	}
	return true
}

// runRing is Run's loop on the ring, from the first dispatch on.
func (l *Loop) runRing(f Feed, nextAdvance time.Duration) {
	defer l.stopRing()
	for {
		l.dispatch(f)
		if l.retired == len(l.conns) {
			return
		}
		// wait is how many completions end the wait (0: just submit and
		// take what is there); timeout how long it may last (-1: no end).
		w := l.nextWait()
		wait, timeout, slept := uint32(1), int64(-1), w.slept
		if w.quiet {
			// As on epoll: with deferred completion work responses do
			// not wake the loop before the send's time.
			wait = uint32(4*len(l.conns) + 8)
		}
		if w.timed {
			timeout = int64(w.d)
			if timeout == 0 {
				wait = 0
			}
		}
		if l.ring.Pending() > 0 {
			// Entries to submit go in a call that does not wait: sends to
			// a socket with room run (and complete) as they are
			// submitted, which would both end the wait at once and, as
			// time spent in it, count as lateness of the wake-up. The
			// wait comes on the next turn, with nothing to submit.
			wait, timeout, slept = 0, 0, -1
		}
		if wait > 0 {
			l.wakes++
		}
		l.sentAwake = false
		_, err := l.ring.Enter(wait, timeout)
		now := time.Now()
		t := now.Sub(l.start)
		l.wall = now.UnixNano()
		if err != nil {
			l.abandon(f, &opError{"io_uring_enter", err}, t)
			return
		}
		// A wait that timed out tells how late the kernel wakes the loop.
		if slept >= 0 && l.ring.TimedOut() {
			l.lead.observe(t - slept)
		}
		for {
			e, ok := l.ring.Next()
			if !ok {
				break
			}
			if !l.completed(f, e, t) {
				return // cancelled: requests in flight are not counted
			}
		}
		if l.busy > 0 && t >= l.minDeadline {
			l.expire(f, t)
		}
		if t >= nextAdvance {
			at, any := l.pending()
			f.Advance(at, any, t)
			nextAdvance = t + f.Interval()/4
		}
	}
}
