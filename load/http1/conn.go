package http1

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/smp-dev/smp/load"
)

// conn is one worker's keep-alive connection. Not safe for concurrent use,
// except that ctx cancellation aborts a request in progress.
type conn struct {
	c    *Client
	ctx  context.Context
	nc   net.Conn
	stop func() bool // unregisters the abort-on-cancel hook of nc
	buf  []byte
	r, w int // unread bytes are buf[r:w]
	// head: the request in progress is a HEAD (its response has no body).
	head bool
	// picks is the connection's own sequence of mix variants.
	picks  picks
	parser parser
	// With Client.newConn, the set-up of the connection the last Do
	// opened (see LastHandshake).
	hsConnect, hsTLS time.Duration
	hsOK             bool
	// With Client.newConn, the last request's time to first byte.
	firstByte   time.Duration
	firstByteOK bool
}

var (
	_ load.Conn           = (*conn)(nil)
	_ load.Connector      = (*conn)(nil)
	_ load.HandshakeTimer = timedConn{}
	_ load.FirstByteTimer = timedConn{}
)

// timedConn is a conn of a Client with NewConnection: only it reports
// handshakes, so that the worker of a keep-alive conn does not even ask.
type timedConn struct{ *conn }

// Connect implements load.Connector. With one connection per request it
// does nothing: each request's latency includes its own set-up.
func (c *conn) Connect(deadline time.Time) error {
	if c.nc != nil || c.c.newConn {
		return nil
	}
	return c.dial(deadline)
}

// LastFirstByte implements load.FirstByteTimer.
func (c timedConn) LastFirstByte() (time.Duration, bool) {
	return c.firstByte, c.firstByteOK
}

// LastHandshake implements load.HandshakeTimer.
func (c timedConn) LastHandshake() (connect, tls time.Duration, ok bool) {
	return c.hsConnect, c.hsTLS, c.hsOK
}

func (c *conn) dial(deadline time.Time) error {
	// Set-up is reported only with one connection per request (timedConn).
	timed := c.c.newConn
	if timed {
		c.hsOK, c.hsConnect, c.hsTLS = false, 0, 0
	}
	nc, connect, err := load.DialTCP(c.ctx, c.c.addr, deadline)
	if err != nil {
		return err
	}
	if timed {
		c.hsConnect, c.hsOK = connect, true
	}
	if c.c.tls != nil {
		var t1 time.Time
		if timed {
			t1 = time.Now()
		}
		t := tls.Client(nc, c.c.tls)
		_ = t.SetDeadline(deadline)
		if err := t.HandshakeContext(c.ctx); err != nil {
			nc.Close()
			return err
		}
		if timed {
			c.hsTLS = time.Since(t1)
		}
		nc = t
	}
	c.nc = nc
	c.r, c.w = 0, 0
	c.stop = load.AbortOnDone(c.ctx, nc)
	return nil
}

// Close implements load.Conn.
func (c *conn) Close() error {
	if c.nc == nil {
		return nil
	}
	c.stop()
	err := c.nc.Close()
	c.nc = nil
	return err
}

// Do implements load.Conn.
func (c *conn) Do(deadline time.Time) (load.Response, error) {
	if c.nc == nil {
		if err := c.dial(deadline); err != nil {
			return load.Response{}, err
		}
	}
	if err := c.nc.SetDeadline(deadline); err != nil {
		c.Close()
		return load.Response{}, err
	}
	req, body := c.c.req, []byte(nil)
	if m := c.c.mix; m != nil {
		s := m.pick(&c.picks)
		req, body, c.head = s.req, s.body, s.head
	}
	if _, err := c.nc.Write(req); err != nil {
		c.Close()
		return load.Response{}, err
	}
	if body != nil {
		if _, err := c.nc.Write(body); err != nil {
			c.Close()
			return load.Response{}, err
		}
	}
	if c.c.newConn {
		// Time to first byte: wait for the response's first bytes here,
		// before parsing (the keep-alive path reads no extra clock).
		c.firstByteOK = false
		sent := time.Now()
		if c.r == c.w {
			c.r, c.w = 0, 0
			if err := c.fill(); err != nil {
				c.Close()
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return load.Response{}, err
			}
		}
		c.firstByte, c.firstByteOK = time.Since(sent), true
	}
	resp, keep, err := c.readResponse()
	if err != nil || !keep || c.c.newConn {
		c.Close()
	}
	return resp, err
}

// fill reads more bytes into buf, compacting first when the buffer is full.
func (c *conn) fill() error {
	if c.r > 0 && c.w == len(c.buf) {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	if c.w == len(c.buf) {
		return fmt.Errorf("%w: response header larger than the %d-byte read buffer", load.ErrProtocol, len(c.buf))
	}
	n, err := c.nc.Read(c.buf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		return errors.New("read returned no data")
	}
	return err
}
