// Package tcp is smp's TCP echo load client: each request writes a payload
// of a fixed size on the worker's connection and reads the same bytes
// back (the target echoes them: smp target --tcp-echo). It measures what a
// proxy costs on raw TCP, below any HTTP parsing. Responses have status 0
// (the echo came back whole); a short or different echo is a protocol
// error. The per-request path does not allocate.
package tcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/smp-dev/smp/load"
)

// MaxPayload bounds the payload of one request.
const MaxPayload = 64 << 20

// FirstByteMax is the largest payload whose time to first byte is
// measured: larger ones are written while their echo is read, so the echo
// begins before the write ends.
const FirstByteMax = readBuffer

// readBuffer bounds a connection's read buffer; payloads up to it are
// written whole before their echo is read.
const readBuffer = 64 << 10

// Config describes the payload every request sends.
type Config struct {
	Addr        string // host:port of the echo server
	PayloadSize int    // bytes per request, 1 to MaxPayload
	// NewConnection opens a connection for every request and times its
	// TCP connect and, for payloads of up to FirstByteMax bytes, the wait
	// for the echo's first byte (each Response carries them).
	NewConnection bool
}

// Client is a load.Dialer for TCP echo.
type Client struct {
	addr    string
	payload []byte // read-only, shared by every connection
	newConn bool
}

var _ load.Dialer = (*Client)(nil)

// New checks cfg and makes the payload.
func New(cfg Config) (*Client, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("tcp: address %q: expected host:port", cfg.Addr)
	}
	if cfg.PayloadSize < 1 || cfg.PayloadSize > MaxPayload {
		return nil, fmt.Errorf("tcp: payload size %d: expected 1 to %d bytes", cfg.PayloadSize, MaxPayload)
	}
	p := make([]byte, cfg.PayloadSize)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return &Client{addr: cfg.Addr, payload: p, newConn: cfg.NewConnection}, nil
}

// Addr is the address connections go to.
func (c *Client) Addr() string { return c.addr }

// Conn implements load.Dialer.
func (c *Client) Conn(ctx context.Context) load.Conn {
	return &conn{c: c, ctx: ctx, buf: make([]byte, min(len(c.payload), readBuffer))}
}

// conn is one worker's connection. Not safe for concurrent use, except
// that ctx cancellation aborts a request in progress.
type conn struct {
	c   *Client
	ctx context.Context
	nc  load.AbortConn
	buf []byte // the echo is read into it, a piece at a time
}

var (
	_ load.Conn      = (*conn)(nil)
	_ load.Connector = (*conn)(nil)
)

// ErrEcho marks an echo that differs from the payload sent.
var ErrEcho = errors.New("echo differs from the payload")

// Connect implements load.Connector; with one connection per request it
// does nothing.
func (c *conn) Connect(deadline time.Time) error {
	if c.nc.Conn != nil || c.c.newConn {
		return nil
	}
	_, err := c.dial(deadline)
	return err
}

// dial connects and says how long the connect took.
func (c *conn) dial(deadline time.Time) (time.Duration, error) {
	nc, connect, err := load.DialTCP(c.ctx, c.c.addr, deadline)
	if err != nil {
		return 0, err
	}
	c.nc.Open(c.ctx, nc)
	return connect, nil
}

// Close implements load.Conn.
func (c *conn) Close() error { return c.nc.Close() }

// Do implements load.Conn: it writes the payload and reads its echo. With
// Client.newConn, its Response carries the connect and, for payloads of
// up to FirstByteMax bytes, the wait from the end of writing the payload
// (its write call returned) to the first read of its echo returning bytes
// (0 when none arrived), also when the echo then fails.
func (c *conn) Do(deadline time.Time) (load.Response, error) {
	var r load.Response
	if c.nc.Conn == nil {
		connect, err := c.dial(deadline)
		if c.c.newConn {
			r.Connect = connect
		}
		if err != nil {
			return r, err
		}
	}
	n, fb, err := c.echo(deadline)
	if err != nil || c.c.newConn {
		_ = c.Close() // the exchange\'s outcome is its error (or none); a close error adds nothing
	}
	r.FirstByte = fb
	if err != nil {
		return r, err
	}
	r.Status, r.Bytes = 0, n
	return r, nil
}

// echo writes the payload and reads its echo; firstByte is timed with
// Client.newConn when the payload is written whole first.
func (c *conn) echo(deadline time.Time) (n int64, firstByte time.Duration, err error) {
	if err := c.nc.SetDeadline(deadline); err != nil {
		return 0, 0, err
	}
	p := c.c.payload
	if len(p) <= len(c.buf) {
		if _, err := c.nc.Write(p); err != nil {
			return 0, 0, err
		}
		return c.readEcho(c.c.newConn)
	}
	// A payload larger than the socket buffers is written while its echo
	// is read: an echo server writes back as it reads, and would block.
	werr := make(chan error, 1)
	go func() { _, err := c.nc.Write(p); werr <- err }()
	n, _, err = c.readEcho(false)
	if err != nil {
		_ = c.nc.SetDeadline(time.Unix(1, 0)) // unblock the writer
	}
	if werr := <-werr; err == nil {
		err = werr
	}
	return n, 0, err
}

// readEcho reads the echo of the payload and checks it. With timeFirst,
// its first read returns as soon as bytes arrive, and is timed from the
// call (just after the payload was written): firstByte, 0 when it got none.
func (c *conn) readEcho(timeFirst bool) (int64, time.Duration, error) {
	p := c.c.payload
	var (
		got       int
		sent      time.Time
		firstByte time.Duration
	)
	if timeFirst {
		sent = time.Now()
	}
	for got < len(p) {
		want := min(len(c.buf), len(p)-got)
		var (
			n   int
			err error
		)
		if timeFirst {
			timeFirst = false
			n, err = c.nc.Read(c.buf[:want])
			if n > 0 {
				firstByte = time.Since(sent)
			}
			if err == nil && n == 0 {
				err = io.ErrNoProgress
			}
		} else {
			n, err = io.ReadFull(c.nc.Conn, c.buf[:want])
		}
		if n > 0 && !bytes.Equal(c.buf[:n], p[got:got+n]) {
			return int64(got), firstByte, fmt.Errorf("%w: %w at byte %d", load.ErrProtocol, ErrEcho, got)
		}
		got += n
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// The connection closed mid-echo: a reset.
				err = fmt.Errorf("echo ended after %d of %d bytes: %w", got, len(p), io.ErrUnexpectedEOF)
			}
			return int64(got), firstByte, err
		}
	}
	return int64(got), firstByte, nil
}
