// Package grpc is smp's gRPC load client: each request is one unary call,
// by default the standard grpc.health.v1.Health/Check, or the built-in
// target's Ping (PingMethod) with a payload of a chosen size. Each
// worker has its own connection (a grpc.ClientConn of one HTTP/2
// connection, dialed by this package so that failures keep their cause).
// With Config.NewConnection, each call has a ClientConn and connection of
// its own instead, closed after it, whose set-up and time to first byte
// are timed (see newconn.go).
//
// Responses have status 0 (gRPC OK); a call that fails is an error
// classified by its cause: a deadline is a timeout, a refused connection
// or a failed TLS handshake is reported as such, other gRPC statuses are
// protocol errors naming their code.
//
// With Config.XDS the client is an Istio proxyless gRPC client: it calls
// xds:///host:port, resolved, balanced and secured (mutual TLS or
// plaintext, as the control plane says) by grpc-go's xDS client, which
// dials itself; failures are then classified from gRPC's status text.
package grpc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/h2timing"
)

// Methods a Config may call.
const (
	MethodHealth = "health" // grpc.health.v1.Health/Check, service ""
	MethodPing   = "ping"   // PingMethod with a payload
)

// PingMethod is the built-in target's own gRPC method (smp target
// --grpc), which echoes its payload: its full name on the wire.
const PingMethod = "/smp.target.v1.Target/Ping"

// MaxPayload bounds the Ping payload (gRPC's default message limit is
// 4 MiB, the reply included).
const MaxPayload = 4<<20 - 64

// Config describes the call every request makes.
type Config struct {
	Addr   string // host:port
	Method string // MethodHealth (default) or MethodPing
	// PayloadSize is the Ping payload in bytes, 0 to MaxPayload.
	PayloadSize int
	// TLS, when set, speaks TLS (ALPN h2); nil is cleartext (h2c).
	TLS *tls.Config
	// NewConnection makes every call on a new ClientConn, and so a new
	// connection, closed after the call. The Conns then report its TCP
	// connect and TLS handshake and the call's time to first byte (each
	// Response carries them; see package load/h2timing).
	NewConnection bool
	// XDS calls xds:///Addr through the xDS control plane named by the
	// bootstrap in GRPC_XDS_BOOTSTRAP (Istio proxyless gRPC), with the xDS
	// client credentials. Not with TLS (the mesh brings its certificates)
	// nor NewConnection.
	XDS bool
}

// Client is a load.Dialer for gRPC.
type Client struct {
	addr    string
	method  string
	payload []byte
	tls     *tls.Config
	newConn bool
	xds     credentials.TransportCredentials // with Config.XDS
}

var _ load.Dialer = (*Client)(nil)

// New checks cfg.
func New(cfg Config) (*Client, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("grpc: address %q: expected host:port", cfg.Addr)
	}
	c := &Client{addr: cfg.Addr, method: cfg.Method, newConn: cfg.NewConnection}
	switch cfg.Method {
	case "", MethodHealth:
		c.method = MethodHealth
		if cfg.PayloadSize != 0 {
			return nil, fmt.Errorf("grpc: payload size %d with method health: expected 0 (only ping carries a payload)", cfg.PayloadSize)
		}
	case MethodPing:
		if cfg.PayloadSize < 0 || cfg.PayloadSize > MaxPayload {
			return nil, fmt.Errorf("grpc: payload size %d: expected 0 to %d bytes", cfg.PayloadSize, MaxPayload)
		}
		c.payload = make([]byte, cfg.PayloadSize)
		for i := range c.payload {
			c.payload[i] = 'a' + byte(i%26)
		}
	default:
		return nil, fmt.Errorf("grpc: method %q: expected %s or %s", cfg.Method, MethodHealth, MethodPing)
	}
	if cfg.XDS {
		if err := c.setXDS(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.TLS != nil {
		t := cfg.TLS.Clone()
		if t.ServerName == "" {
			t.ServerName = host
		}
		t.NextProtos = []string{"h2"}
		c.tls = t
	}
	return c, nil
}

// Addr is the address connections go to.
func (c *Client) Addr() string { return c.addr }

// Conn implements load.Dialer.
func (c *Client) Conn(ctx context.Context) load.Conn {
	cn := &conn{c: c, ctx: ctx}
	cn.req, cn.resp = c.messages()
	if c.newConn {
		return timedConn{cn}
	}
	cn.link = &link{c: c}
	cn.cc, cn.err = c.clientConn(cn.link)
	return cn
}

// clientConn makes a ClientConn that dials through l. It connects lazily,
// at its first call or Connect.
func (c *Client) clientConn(l *link) (*grpc.ClientConn, error) {
	if c.xds != nil {
		return c.xdsClientConn()
	}
	cc, err := grpc.NewClient("passthrough:///"+c.addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()), // TLS, if any, is the dialer's
		grpc.WithContextDialer(l.dial),
		grpc.WithDisableRetry(),
	)
	if err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	return cc, nil
}

// messages are the request and a reusable reply of the method.
func (c *Client) messages() (req, resp proto.Message) {
	if c.method == MethodPing {
		return &wrapperspb.BytesValue{Value: c.payload}, &wrapperspb.BytesValue{}
	}
	return &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}
}

// conn is one worker's connection. Not safe for concurrent use, except
// that ctx cancellation aborts a call in progress.
type conn struct {
	c         *Client
	ctx       context.Context
	cc        *grpc.ClientConn
	link      *link // cc's dialer
	err       error // clientConn's, reported by every Do
	req, resp proto.Message
}

var (
	_ load.Conn      = (*conn)(nil)
	_ load.Connector = (*conn)(nil)
)

// link is the dialing side of a ClientConn: its dialer, and the cause of
// its last connection failure (a dial, a TLS handshake, the first read
// error of a connection) since the last call that succeeded. With timed
// (a ClientConn per call), it also keeps the set-up of the one connection
// it dials, and that connection's first-byte timer.
type link struct {
	c        *Client
	timed    bool
	deadline time.Time // with timed: the call's, which bounds the dial

	mu                 sync.Mutex
	failure            error
	connect, handshake time.Duration  // with timed: TCP connect, TLS handshake (0: not done)
	h2                 *h2timing.Conn // with timed: the connection, once set up
}

// setFailure records err as the connection's failure.
func (l *link) setFailure(err error) {
	l.mu.Lock()
	l.failure = err
	l.mu.Unlock()
}

// dial is the ClientConn's dialer: TCP, then TLS when configured. It
// keeps the cause of a failure, which gRPC reports only as text.
func (l *link) dial(ctx context.Context, addr string) (net.Conn, error) {
	nc, connect, err := load.DialTCP(ctx, addr, l.deadline)
	if err != nil {
		l.setFailure(err)
		return nil, err
	}
	if l.timed {
		l.mu.Lock()
		l.connect = connect
		l.mu.Unlock()
	}
	if l.c.tls != nil {
		t1 := time.Now()
		t := tls.Client(nc, l.c.tls)
		if err := t.HandshakeContext(ctx); err != nil {
			nc.Close()
			l.setFailure(err)
			return nil, err
		}
		if l.timed {
			handshake := time.Since(t1)
			l.mu.Lock()
			l.handshake = handshake
			l.mu.Unlock()
		}
		nc = t
	}
	w := &watched{Conn: nc, l: l}
	if !l.timed {
		return w, nil
	}
	h := h2timing.New(w)
	l.mu.Lock()
	l.h2 = h
	l.mu.Unlock()
	return h, nil
}

// watched records the first read error of a connection as its cause: a
// TLS 1.3 server refuses a missing client certificate after the client's
// handshake is done, with an alert the first read returns.
type watched struct {
	net.Conn
	l    *link
	once sync.Once
}

// Write records why a write failed: the server's refusal when a write
// finds the connection reset before any read has returned the alert
// (load.Refusal; gRPC would read the connection closed after it).
func (w *watched) Write(p []byte) (int, error) {
	n, err := w.Conn.Write(p)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		w.l.setFailure(load.Refusal(w.Conn, err))
	}
	return n, err
}

func (w *watched) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if err != nil {
		w.once.Do(func() {
			if !errors.Is(err, net.ErrClosed) { // closed by the client itself
				w.l.setFailure(err)
			}
		})
	}
	return n, err
}

// Connect implements load.Connector: it waits until the connection is
// ready, has failed (left for the first request to report), or deadline.
func (c *conn) Connect(deadline time.Time) error {
	if c.cc == nil {
		return c.err
	}
	ctx, cancel := context.WithDeadline(c.ctx, deadline)
	defer cancel()
	c.cc.Connect()
	for {
		s := c.cc.GetState()
		switch s {
		case connectivity.Ready:
			return nil
		case connectivity.TransientFailure, connectivity.Shutdown:
			return fmt.Errorf("grpc: connection to %s: %s", c.c.addr, s)
		}
		if !c.cc.WaitForStateChange(ctx, s) {
			return ctx.Err()
		}
	}
}

// Close implements load.Conn.
func (c *conn) Close() error {
	if c.cc == nil {
		return nil
	}
	return c.cc.Close()
}

// Do implements load.Conn.
func (c *conn) Do(deadline time.Time) (load.Response, error) {
	if c.cc == nil {
		return load.Response{}, c.err
	}
	return c.call(c.cc, c.link, deadline)
}

// call makes the method's call on cc, which dials through l.
func (c *conn) call(cc *grpc.ClientConn, l *link, deadline time.Time) (load.Response, error) {
	ctx, cancel := context.WithDeadline(c.ctx, deadline)
	defer cancel()
	method := PingMethod
	if c.c.method == MethodHealth {
		method = healthpb.Health_Check_FullMethodName
	}
	if err := cc.Invoke(ctx, method, c.req, c.resp, grpc.WaitForReady(false)); err != nil {
		return load.Response{}, l.cause(err)
	}
	l.setFailure(nil)
	if h, ok := c.resp.(*healthpb.HealthCheckResponse); ok && h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return load.Response{}, fmt.Errorf("%w: health check: %s", load.ErrProtocol, h.GetStatus())
	}
	return load.Response{Status: int(codes.OK), Bytes: int64(proto.Size(c.resp))}, nil
}

// cause turns a failed call's status into an error Classify understands.
func (l *link) cause(err error) error {
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
	case codes.Canceled:
		return fmt.Errorf("%w: %v", context.Canceled, err)
	case codes.Unavailable:
		l.mu.Lock()
		cause := l.failure
		l.mu.Unlock()
		switch msg := st.Message(); {
		case cause != nil:
			return fmt.Errorf("%w (%v)", cause, err)
		case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
			return fmt.Errorf("%w: %v", load.ErrTLS, err)
		case l.c.xds != nil:
			return xdsCause(err, msg)
		default:
			// The transport went away (closed, reset) with no recorded cause.
			return fmt.Errorf("%w: %v", load.ErrReset, err)
		}
	default:
		return fmt.Errorf("%w: grpc status %s: %v", load.ErrProtocol, st.Code(), st.Message())
	}
}
