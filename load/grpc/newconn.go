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
// so that it does not overlap the set-up of the next one; each Response
// reports the network's and the server's parts. Nothing stays open
// between calls.
type timedConn struct{ *conn }

var (
	_ load.Conn      = timedConn{}
	_ load.Connector = timedConn{}
)

// Connect implements load.Connector: with one connection per request
// there is nothing to set up ahead (each latency includes its set-up).
func (c timedConn) Connect(time.Time) error { return nil }

// Close implements load.Conn; every Do has shut its own ClientConn down.
func (c timedConn) Close() error { return nil }

// Do implements load.Conn: one call on a ClientConn of its own, shut down
// before Do returns. Its Response carries the TCP connect and TLS
// handshake of the call's connection (0 when it did not connect), and the
// wait from the write that ends the call's request to the first byte of
// its response, at the HTTP/2 frame level beneath gRPC, which has no hook
// for it (see package load/h2timing; 0 when the call got no response):
// also when the call failed.
func (c timedConn) Do(deadline time.Time) (load.Response, error) {
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
	resp.Connect, resp.TLSHandshake = l.connect, l.handshake
	h := l.h2
	l.mu.Unlock()
	if h != nil {
		if fb, ok := h.FirstByte(); ok {
			resp.FirstByte = fb
		}
	}
	return resp, err
}
