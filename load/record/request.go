package record

import "time"

// Response is what a protocol client reports of one request: the
// response, and what it measured of the request's set-up. A duration of 0
// means not measured (a kept-alive connection, no TLS, no response byte).
type Response struct {
	Status int   // protocol status (HTTP status code; 0 for TCP echo and gRPC OK)
	Bytes  int64 // bytes read off the wire for this response
	// Connect and TLSHandshake time the set-up of the connection the
	// request opened (TCP connect; TLS handshake), measured only with one
	// connection per request.
	Connect      time.Duration
	TLSHandshake time.Duration
	// FirstByte is the wait from the end of writing the request to the
	// first byte of its response (time to first byte, without the
	// connection's set-up), measured only with one connection per request.
	FirstByte time.Duration
}

// Request is one finished request as a driver reports it: when it was
// intended, sent and completed (or given up), as offsets from the run's
// start, and its Response, or Err when no usable response was read (the
// Response then still carries what was measured of the set-up). Sent
// may be before At (by up to a send tolerance: see load.Plan).
type Request struct {
	At, Sent, Done time.Duration
	// Batched says the request was sent right after another, without the
	// driver waiting (sleeping) in between: no wake-up of its own.
	Batched bool
	Response
	Err error
}
