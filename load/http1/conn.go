package http1

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/smp-dev/smp/load"
)

// conn is one worker's keep-alive connection. Not safe for concurrent use,
// except that ctx cancellation aborts a request in progress.
type conn struct {
	c    *Client
	ctx  context.Context
	nc   load.AbortConn
	buf  []byte
	r, w int // unread bytes are buf[r:w]
	// head: the request in progress is a HEAD (its response has no body).
	head bool
	// picks is the connection's own sequence of mix variants.
	picks  picks
	parser parser
}

var (
	_ load.Conn      = (*conn)(nil)
	_ load.Connector = (*conn)(nil)
)

// Connect implements load.Connector. With one connection per request it
// does nothing: each request's latency includes its own set-up.
func (c *conn) Connect(deadline time.Time) error {
	if c.nc.Conn != nil || c.c.newConn {
		return nil
	}
	_, _, err := c.dial(deadline)
	return err
}

// dial connects, and says how long the TCP connect and the TLS handshake
// took (the connect even when the handshake failed; tls 0 without TLS).
func (c *conn) dial(deadline time.Time) (connect, tlsTook time.Duration, err error) {
	nc, connect, err := load.DialTCP(c.ctx, c.c.addr, deadline)
	if err != nil {
		return 0, 0, err
	}
	if c.c.tls != nil {
		t1 := time.Now()
		t := tls.Client(nc, c.c.tls)
		_ = t.SetDeadline(deadline)
		if err := t.HandshakeContext(c.ctx); err != nil {
			nc.Close()
			return connect, 0, err
		}
		tlsTook = time.Since(t1)
		nc = t
	}
	c.nc.Open(c.ctx, nc)
	c.r, c.w = 0, 0
	return connect, tlsTook, nil
}

// Close implements load.Conn.
func (c *conn) Close() error { return c.nc.Close() }

// Do implements load.Conn. With Client.newConn, its Response carries the
// set-up of the connection it opened and the request's time to first
// byte, also when it fails after measuring them.
func (c *conn) Do(deadline time.Time) (load.Response, error) {
	var r load.Response
	if c.nc.Conn == nil {
		connect, tlsTook, err := c.dial(deadline)
		if c.c.newConn {
			r.Connect, r.TLSHandshake = connect, tlsTook
		}
		if err != nil {
			return r, err
		}
	}
	if err := c.nc.SetDeadline(deadline); err != nil {
		_ = c.Close() // the request\'s outcome is its error (or none); a close error adds nothing
		return r, err
	}
	req, body := c.c.req, []byte(nil)
	if m := c.c.mix; m != nil {
		s := m.pick(&c.picks)
		req, body, c.head = s.req, s.body, s.head
	}
	if _, err := c.nc.Write(req); err != nil {
		err = load.Refusal(c.nc.Conn, err)
		_ = c.Close() // the request\'s outcome is its error (or none); a close error adds nothing
		return r, err
	}
	if body != nil {
		if _, err := c.nc.Write(body); err != nil {
			err = load.Refusal(c.nc.Conn, err)
			_ = c.Close() // the request\'s outcome is its error (or none); a close error adds nothing
			return r, err
		}
	}
	if c.c.newConn {
		// Time to first byte: wait for the response's first bytes here,
		// before parsing (the keep-alive path reads no extra clock).
		sent := time.Now()
		if c.r == c.w {
			c.r, c.w = 0, 0
			if err := c.fill(); err != nil {
				_ = c.Close() // the request\'s outcome is its error (or none); a close error adds nothing
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return r, err
			}
		}
		r.FirstByte = time.Since(sent)
	}
	resp, keep, err := c.readResponse()
	if err != nil || !keep || c.c.newConn {
		_ = c.Close() // the request\'s outcome is its error (or none); a close error adds nothing
	}
	resp.Connect, resp.TLSHandshake, resp.FirstByte = r.Connect, r.TLSHandshake, r.FirstByte
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
