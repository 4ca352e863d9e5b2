// Package load is smp's load engine: it drives requests through a protocol
// client at an open-loop schedule (or closed loop), and measures latency from
// each request's intended send time, so that a stalled server is charged for
// the requests it delayed (coordinated omission). The actual-send latency and
// the engine's own send lag are kept beside it.
//
// Shape: a Pacer is a pure function from send number to intended time; Run
// claims send slots from one schedule (an atomic counter) and drives the
// connections either from event loops (LoopDialer: one OS thread serves
// many connections) or with one goroutine per connection, waiting for each
// send's intended time. A worker records into its own counts and
// histograms: one per event loop, or one per connection's goroutine.
// Nothing is shared on the per-request path except the schedule; the
// workers' results are added up when the run ends.
//
// Protocol clients live in sub-packages and implement Dialer: load/http1
// (HTTP/1.1, the fast path), load/http2 (h2c and HTTP/2 over TLS, with
// several streams per connection), load/tcp (echo) and load/grpc (unary
// calls). Each request's Response says what the client measured of it
// (connect, TLS handshake, first byte, with one connection per request);
// TLSOptions builds the clients' shared TLS settings. The plain data of a
// run (Response, Counts, Result) live in load/record.
package load
