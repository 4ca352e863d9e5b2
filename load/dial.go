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
