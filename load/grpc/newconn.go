package grpc

import (
	"time"

	"github.com/smp-dev/smp/load"
)

// timedConn is a worker's Conn with Config.NewConnection: each Do makes a
// ClientConn of its own, calls once on it and closes it, so that every
// call pays for a TCP connect, a TLS handshake with TLS, and HTTP/2's
// preface and settings exchange (which gRPC waits for before it sends).
// The latency of each request includes all of it, and the client's own
// work of making the ClientConn (its resolver, balancer and transport)
// and of shutting it down after the call, which is done before Do returns
// so that it does not overlap the set-up of the next one; LastHandshake
// and LastFirstByte report the network's and the server's parts. Nothing
// stays open between calls.
type timedConn struct {
	*conn
	hsConnect, hsTLS time.Duration
	hsOK             bool
	firstByte        time.Duration
	firstByteOK      bool
}

var (
	_ load.Conn           = (*timedConn)(nil)
	_ load.Connector      = (*timedConn)(nil)
	_ load.HandshakeTimer = (*timedConn)(nil)
	_ load.FirstByteTimer = (*timedConn)(nil)
)

// Connect implements load.Connector: with one connection per request
// there is nothing to set up ahead (each latency includes its set-up).
func (c *timedConn) Connect(time.Time) error { return nil }

// Close implements load.Conn; every Do has shut its own ClientConn down.
func (c *timedConn) Close() error { return nil }

// LastHandshake implements load.HandshakeTimer: the TCP connect and TLS
// handshake of the last Do's connection; ok is false when it did not
// connect.
func (c *timedConn) LastHandshake() (connect, tls time.Duration, ok bool) {
	return c.hsConnect, c.hsTLS, c.hsOK
}

// LastFirstByte implements load.FirstByteTimer: for the last Do, the wait
// from the write that ends the call's request to the first byte of its
// response, at the HTTP/2 frame level beneath gRPC, which has no hook for
// it (see package load/h2timing). ok is false when the call got no
// response.
func (c *timedConn) LastFirstByte() (time.Duration, bool) {
	return c.firstByte, c.firstByteOK
}

// Do implements load.Conn: one call on a ClientConn of its own, shut down
// before Do returns.
func (c *timedConn) Do(deadline time.Time) (load.Response, error) {
	c.hsOK, c.firstByteOK = false, false
	l := &link{c: c.c, timed: true, deadline: deadline}
	cc, err := c.c.clientConn(l)
	if err != nil {
		return load.Response{}, err
	}
	resp, err := c.call(cc, l, deadline)
	// Close shuts the channel down and closes its transport; a dial still
	// under way (after a failed call) is cancelled, and writes only to
	// this call's l.
	_ = cc.Close()
	l.mu.Lock()
	c.hsConnect, c.hsTLS, c.hsOK = l.connect, l.handshake, l.dialed
	h := l.h2
	l.mu.Unlock()
	if h != nil {
		c.firstByte, c.firstByteOK = h.FirstByte()
	}
	return resp, err
}
