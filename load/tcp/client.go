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
	// TCP connect (load.HandshakeTimer) and, for payloads of up to
	// FirstByteMax bytes, the wait for the echo's first byte
	// (load.FirstByteTimer).
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
	cn := &conn{c: c, ctx: ctx, buf: make([]byte, min(len(c.payload), readBuffer))}
	if c.newConn {
		return timedConn{cn}
	}
	return cn
}

// timedConn is a conn of a Client with NewConnection: only it reports
// connects and first bytes, so that the worker of a keep-alive conn does
// not even ask.
type timedConn struct{ *conn }

// conn is one worker's connection. Not safe for concurrent use, except
// that ctx cancellation aborts a request in progress.
type conn struct {
	c    *Client
	ctx  context.Context
	nc   net.Conn
	stop func() bool // unregisters the abort-on-cancel hook of nc
	buf  []byte      // the echo is read into it, a piece at a time
	// With Client.newConn, the connect of the last Do (see LastHandshake)
	// and its wait for the echo (see LastFirstByte).
	hsConnect   time.Duration
	hsOK        bool
	firstByte   time.Duration
	firstByteOK bool
}

var (
	_ load.Conn           = (*conn)(nil)
	_ load.Connector      = (*conn)(nil)
	_ load.HandshakeTimer = timedConn{}
	_ load.FirstByteTimer = timedConn{}
)

// ErrEcho marks an echo that differs from the payload sent.
var ErrEcho = errors.New("echo differs from the payload")

// Connect implements load.Connector; with one connection per request it
// does nothing.
func (c *conn) Connect(deadline time.Time) error {
	if c.nc != nil || c.c.newConn {
		return nil
	}
	return c.dial(deadline)
}

// LastHandshake implements load.HandshakeTimer: the TCP connect of the
// last Do (there is no TLS).
func (c timedConn) LastHandshake() (connect, tls time.Duration, ok bool) {
	return c.hsConnect, 0, c.hsOK
}

// LastFirstByte implements load.FirstByteTimer: for the last Do, the wait
// from the end of writing the payload (its write call returned) to the
// first read of its echo returning bytes. Not measured (ok false) for
// payloads above FirstByteMax, or when no echo byte arrived.
func (c timedConn) LastFirstByte() (time.Duration, bool) {
	return c.firstByte, c.firstByteOK
}

func (c *conn) dial(deadline time.Time) error {
	if c.c.newConn {
		c.hsOK, c.hsConnect = false, 0
	}
	nc, connect, err := load.DialTCP(c.ctx, c.c.addr, deadline)
	if err != nil {
		return err
	}
	if c.c.newConn {
		c.hsConnect, c.hsOK = connect, true
	}
	c.nc = nc
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

// Do implements load.Conn: it writes the payload and reads its echo.
func (c *conn) Do(deadline time.Time) (load.Response, error) {
	if c.c.newConn {
		c.firstByteOK = false
	}
	if c.nc == nil {
		if err := c.dial(deadline); err != nil {
			return load.Response{}, err
		}
	}
	n, err := c.echo(deadline)
	if err != nil || c.c.newConn {
		c.Close()
	}
	if err != nil {
		return load.Response{}, err
	}
	return load.Response{Status: 0, Bytes: n}, nil
}

func (c *conn) echo(deadline time.Time) (int64, error) {
	if err := c.nc.SetDeadline(deadline); err != nil {
		return 0, err
	}
	p := c.c.payload
	if len(p) <= len(c.buf) {
		if _, err := c.nc.Write(p); err != nil {
			return 0, err
		}
		return c.readEcho(c.c.newConn)
	}
	// A payload larger than the socket buffers is written while its echo
	// is read: an echo server writes back as it reads, and would block.
	werr := make(chan error, 1)
	go func() { _, err := c.nc.Write(p); werr <- err }()
	n, err := c.readEcho(false)
	if err != nil {
		_ = c.nc.SetDeadline(time.Unix(1, 0)) // unblock the writer
	}
	if werr := <-werr; err == nil {
		err = werr
	}
	return n, err
}

// readEcho reads the echo of the payload and checks it. With timeFirst,
// its first read returns as soon as bytes arrive, and is timed from the
// call (just after the payload was written).
func (c *conn) readEcho(timeFirst bool) (int64, error) {
	p := c.c.payload
	var (
		got  int
		sent time.Time
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
				c.firstByte, c.firstByteOK = time.Since(sent), true
			}
			if err == nil && n == 0 {
				err = io.ErrNoProgress
			}
		} else {
			n, err = io.ReadFull(c.nc, c.buf[:want])
		}
		if n > 0 && !bytes.Equal(c.buf[:n], p[got:got+n]) {
			return int64(got), fmt.Errorf("%w: %w at byte %d", load.ErrProtocol, ErrEcho, got)
		}
		got += n
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// The connection closed mid-echo: a reset.
				err = fmt.Errorf("echo ended after %d of %d bytes: %w", got, len(p), io.ErrUnexpectedEOF)
			}
			return int64(got), err
		}
	}
	return int64(got), nil
}
