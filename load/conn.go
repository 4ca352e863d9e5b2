package load

import (
	"context"
	"time"
)

// Dialer makes one protocol client per worker. It is called once per worker
// before the run starts; the Conn it returns connects lazily (or eagerly via
// Connect) and reconnects after a failure.
type Dialer interface {
	Conn(ctx context.Context) Conn
}

// Conn is a protocol client bound to one worker: it is used by one goroutine
// at a time. When the ctx given to Dialer.Conn is done, a Do in progress must
// return promptly (within a few milliseconds).
type Conn interface {
	// Do sends one request and reads its whole response, giving up at
	// deadline. A non-nil error means no usable response was read.
	Do(deadline time.Time) (Response, error)
	// Close releases the connection.
	Close() error
}

// Connector is implemented by Conns that can connect before the first
// request, so that connection set-up is not charged to it.
type Connector interface {
	Connect(deadline time.Time) error
}

// Response is what a worker needs to know of one response.
type Response struct {
	Status int   // protocol status (HTTP status code)
	Bytes  int64 // bytes read off the wire for this response
}

// HandshakeTimer is implemented by Conns that time the set-up of the
// connections they open (with one connection per request, the set-up is
// what is measured). The worker asks after every Do and records what it
// gets into the Result's ConnectTime and TLSHandshake histograms.
type HandshakeTimer interface {
	// LastHandshake reports the set-up of the connection the last Do
	// opened: the TCP connect and, for TLS, the handshake (0 without TLS
	// or when it did not complete). ok is false when the last Do opened no
	// connection, or when the Conn does not time them.
	LastHandshake() (connect, tls time.Duration, ok bool)
}

// FirstByteTimer is implemented by Conns that time, with one connection
// per request, the wait from the end of writing the request to the first
// byte of its response (time to first byte: the server's think time plus
// the network, without the connection's set-up).
type FirstByteTimer interface {
	// LastFirstByte reports that wait for the last Do; ok is false when
	// no response byte arrived.
	LastFirstByte() (time.Duration, bool)
}
