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
	// deadline. A non-nil error means no usable response was read; the
	// Response then still carries what was measured of the request's
	// set-up (its Connect, TLSHandshake and FirstByte).
	Do(deadline time.Time) (Response, error)
	// Close releases the connection.
	Close() error
}

// Connector is implemented by Conns that can connect before the first
// request, so that connection set-up is not charged to it.
type Connector interface {
	Connect(deadline time.Time) error
}
