package load

import (
	"context"
	"net"
	"time"
)

// DialTCP connects to addr before deadline, with Nagle's algorithm off (the
// engine writes whole requests), and says how long the connect took. It
// reads the clock only when connections are set up, never per request on a
// kept-alive connection.
func DialTCP(ctx context.Context, addr string, deadline time.Time) (net.Conn, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	t0 := time.Now()
	d := net.Dialer{Deadline: deadline}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	took := time.Since(t0)
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return nc, took, nil
}

// AbortOnDone unblocks any read or write in progress on nc when ctx is
// done, so that a cancelled run stops within milliseconds; the returned
// function unregisters the hook (call it when nc is closed).
func AbortOnDone(ctx context.Context, nc net.Conn) func() bool {
	return context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
}

// AbortConn is a protocol client's connection, if it has one, whose reads
// and writes are unblocked when the ctx it was opened with is done (see
// AbortOnDone). The zero value has none.
type AbortConn struct {
	net.Conn // nil when there is none
	stop     func() bool
}

// Open makes nc the connection, aborted when ctx is done.
func (c *AbortConn) Open(ctx context.Context, nc net.Conn) {
	c.Conn, c.stop = nc, AbortOnDone(ctx, nc)
}

// Close closes the connection, if there is one, and unregisters its
// abort hook.
func (c *AbortConn) Close() error {
	if c.Conn == nil {
		return nil
	}
	if c.stop != nil {
		c.stop()
	}
	err := c.Conn.Close()
	c.Conn, c.stop = nil, nil
	return err
}
