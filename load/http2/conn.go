package http2

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/h2timing"
	"github.com/smp-dev/smp/load/reqmix"
)

// shared is one HTTP/2 connection and the streams (Conns) using it. It is
// dialed by the first stream that needs it and again by the first that
// finds it unusable (closed, or refusing new streams after GOAWAY).
type shared struct {
	c   *Client
	ctx context.Context

	mu sync.Mutex
	cc *http2.ClientConn
	nc *watched // cc's connection
	// timer is the first-byte timer of cc's connection, with
	// Client.newConn (the shared connection is then the stream's own).
	timer *h2timing.Conn
}

// watched is a connection that keeps the first error a read returned:
// when the peer refuses the connection with a TLS alert after the
// handshake (TLS 1.3 servers check client certificates then), requests
// fail with whatever the HTTP/2 client makes of it, and the alert is the
// cause worth reporting.
type watched struct {
	net.Conn
	once   sync.Once
	err    error         // set once, before failed is closed
	failed chan struct{} // closed at the first read error
}

func newWatched(c net.Conn) *watched { return &watched{Conn: c, failed: make(chan struct{})} }

func (w *watched) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if err != nil {
		w.once.Do(func() { w.err = err; close(w.failed) })
	}
	return n, err
}

// Write keeps the server's refusal as the read error when a write finds
// the connection reset before the read loop has read the alert
// (load.Refusal).
func (w *watched) Write(p []byte) (int, error) {
	n, err := w.Conn.Write(p)
	if err != nil {
		if cause := load.Refusal(w.Conn, err); cause != err {
			w.once.Do(func() { w.err = cause; close(w.failed) })
		}
	}
	return n, err
}

// causeWait bounds how long a failed request waits for its connection's
// read error, which may arrive just after the request failed.
const causeWait = 50 * time.Millisecond

// cause returns the read error of w when it is a TLS failure, else err.
// Unless err is a timeout or a cancellation, it waits up to causeWait
// for the read error first.
func (w *watched) cause(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	t := time.NewTimer(causeWait)
	defer t.Stop()
	select {
	case <-w.failed:
		if load.Classify(w.err) == load.KindTLS {
			return w.err
		}
	case <-t.C:
	}
	return err
}

// stream is one worker's Conn: a stream slot of a shared connection. Not
// safe for concurrent use; the streams of one connection run concurrently.
type stream struct {
	c     *Client
	ctx   context.Context
	sh    *shared
	picks reqmix.Picks // the slot's own sequence of mix variants
}

var (
	_ load.Conn      = (*stream)(nil)
	_ load.Connector = (*stream)(nil)
)

// Connect implements load.Connector; with one connection per request it
// does nothing (each request's latency includes its own set-up).
func (s *stream) Connect(deadline time.Time) error {
	if s.c.newConn {
		return nil
	}
	_, _, err := s.sh.get(deadline, nil)
	return err
}

// Close implements load.Conn: it closes the shared connection (the
// engine closes every Conn when the run ends).
func (s *stream) Close() error { return s.sh.close() }

// Do implements load.Conn. With Client.newConn, its Response carries the
// set-up of the connection it opened and the wait from the write that ends
// the request to the first byte of its response's HEADERS, at the frame
// level beneath golang.org/x/net/http2, whose writer is a goroutine of its
// own (see package load/h2timing); also when the request then fails.
func (s *stream) Do(deadline time.Time) (load.Response, error) {
	var (
		r     load.Response
		timed *load.Response // receives the set-up times of a new connection
	)
	if s.c.newConn {
		timed = &r
		defer func() { _ = s.sh.close() }() // a connection per request: its outcome is already in r
	}
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	p := &s.c.req
	if m := s.c.mix; m != nil {
		p = m.pick(&s.picks)
	}
	var (
		resp *http.Response
		nc   *watched
	)
	for try := 0; ; try++ {
		var cc *http2.ClientConn
		var err error
		cc, nc, err = s.sh.get(deadline, timed)
		if err != nil {
			return r, err
		}
		req := p.tmpl.WithContext(ctx)
		if len(p.body) > 0 {
			req.Body = io.NopCloser(bytes.NewReader(p.body))
		}
		resp, err = cc.RoundTrip(req)
		if err == nil {
			break
		}
		// A request the server never processed (its stream was refused,
		// or above the last one of a GOAWAY: servers close connections
		// after so many requests) is sent again on a new connection, as
		// net/http does; its latency includes the retry.
		if try >= maxRetries || !unprocessed(err) || s.c.newConn {
			return r, classify(nc.cause(err))
		}
	}
	n, err := io.Copy(io.Discard, resp.Body)
	// Close waits for the request's writer to finish: after it, the
	// timer has seen the end of the request if it was written.
	resp.Body.Close()
	if timed != nil && s.sh.timer != nil {
		if fb, ok := s.sh.timer.FirstByte(); ok {
			r.FirstByte = fb
		}
	}
	if err != nil {
		return r, classify(nc.cause(err))
	}
	r.Status, r.Bytes = resp.StatusCode, n
	return r, nil
}

// maxRetries bounds the resends of one unprocessed request.
const maxRetries = 3

// unprocessed reports whether err says the server did not process the
// request, so that it can be sent again. x/net/http2 does not export the
// errors it retries itself (errClientConnUnusable, errClientConnGotGoAway);
// they are recognized by their text.
func unprocessed(err error) bool {
	var se http2.StreamError
	if errors.As(err, &se) {
		return se.Code == http2.ErrCodeRefusedStream
	}
	switch err.Error() {
	case "http2: client conn not usable", "http2: Transport received Server's graceful shutdown GOAWAY":
		return true
	}
	return false
}

// classify marks HTTP/2 protocol failures with load.ErrProtocol.
func classify(err error) error {
	var (
		se http2.StreamError
		ce http2.ConnectionError
		ge http2.GoAwayError
	)
	if errors.As(err, &se) || errors.As(err, &ce) || errors.As(err, &ge) {
		return fmt.Errorf("%w: %w", load.ErrProtocol, err)
	}
	return err
}

// get returns a connection that takes new requests, dialing one when
// needed; timed, when set, receives the set-up times of a new one.
func (sh *shared) get(deadline time.Time, timed *load.Response) (*http2.ClientConn, *watched, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cc != nil && sh.cc.CanTakeNewRequest() {
		return sh.cc, sh.nc, nil
	}
	if old := sh.cc; old != nil {
		// It takes no new requests (after a GOAWAY, say) but may still
		// carry those of other streams: let them finish.
		go func() { _ = old.Shutdown(sh.ctx) }()
		sh.cc, sh.nc = nil, nil
	}
	cc, nc, err := sh.dial(deadline, timed)
	if err != nil {
		return nil, nil, err
	}
	sh.cc, sh.nc = cc, nc
	return cc, nc, nil
}

// dial connects; timed, when set, receives its set-up times, and the
// connection is then timed to the first byte (sh.timer).
func (sh *shared) dial(deadline time.Time, timed *load.Response) (*http2.ClientConn, *watched, error) {
	sh.timer = nil
	nc, connect, err := load.DialTCP(sh.ctx, sh.c.addr, deadline)
	if err != nil {
		return nil, nil, err
	}
	t1 := time.Now()
	if timed != nil {
		timed.Connect = connect
	}
	if sh.c.tls != nil {
		tc := tls.Client(nc, sh.c.tls)
		_ = tc.SetDeadline(deadline)
		if err := tc.HandshakeContext(sh.ctx); err != nil {
			nc.Close()
			return nil, nil, err
		}
		_ = tc.SetDeadline(time.Time{})
		if p := tc.ConnectionState().NegotiatedProtocol; p != http2.NextProtoTLS {
			nc.Close()
			return nil, nil, fmt.Errorf("%w: %s did not negotiate HTTP/2 (ALPN protocol %q, expected %q)", load.ErrProtocol, sh.c.addr, p, http2.NextProtoTLS)
		}
		if timed != nil {
			timed.TLSHandshake = time.Since(t1)
		}
		nc = tc
	}
	w := newWatched(nc)
	var conn net.Conn = w
	if timed != nil {
		sh.timer = h2timing.New(w)
		conn = sh.timer
	}
	cc, err := sh.c.tr.NewClientConn(conn)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return cc, w, nil
}

func (sh *shared) close() error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cc == nil {
		return nil
	}
	err := sh.cc.Close()
	sh.cc, sh.nc = nil, nil
	return err
}
