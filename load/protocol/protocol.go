// Package protocol is the one table of the load protocols smp drives, what
// each of them supports (event loops, concurrent streams, a connection per
// request, TLS), and the names of the ways the engine drives connections.
//
// It imports nothing, so that the spec (which validates a test against the
// table) and the engine and its protocol clients (which are held to it by
// their tests) can all use it without a cycle. It is plain data: nothing
// registers itself, nothing changes it at run time.
package protocol

import "slices"

// Protocol names, as written in specs (load.protocol) and on the command
// line (--protocol).
const (
	HTTP1 = "http1" // HTTP/1.1, over TLS with an https URL
	H2C   = "h2c"   // HTTP/2 over cleartext, with prior knowledge
	HTTP2 = "http2" // HTTP/2 over TLS (ALPN h2)
	TCP   = "tcp"   // TCP echo: a payload written, its echo read
	GRPC  = "grpc"  // unary gRPC calls
)

// Drivers: how the engine drives a plan's connections, as written in specs
// (load.driver), on the command line (--driver) and in reports
// (client.driver).
const (
	// DriverEventLoop runs connections from event loops, each one OS
	// thread serving many non-blocking connections.
	DriverEventLoop = "eventloop"
	// DriverUring runs the event loops on io_uring instead of epoll:
	// the sends due together and the receives go to the kernel in one
	// system call per wake-up (linux-only; where io_uring is unavailable
	// the loops run on epoll, and the report says so).
	DriverUring = "uring"
	// DriverGoroutines runs a goroutine per connection (or HTTP/2
	// stream), blocking in the protocol client.
	DriverGoroutines = "goroutines"
)

// Drivers returns the driver names, the event loop first.
func Drivers() []string { return []string{DriverEventLoop, DriverUring, DriverGoroutines} }

// TLS says whether a protocol runs over TLS.
type TLS int

const (
	// TLSNever means cleartext only.
	TLSNever TLS = iota
	// TLSOptional means over TLS when the URL's scheme says so (https, grpcs).
	TLSOptional
	// TLSRequired means over TLS only.
	TLSRequired
)

// Protocol is what one protocol's client supports.
type Protocol struct {
	Name string
	// Title names what is driven, for people: "HTTP/1.1", "TCP echo".
	Title string
	// EventLoop: the client can be driven by event loops. Event loops
	// drive cleartext connections that are kept alive; TLS and a
	// connection per request run a goroutine per connection.
	EventLoop bool
	// Streams: a connection carries several requests at once.
	Streams bool
	// NewConnection: the client can open a connection for every request
	// and time its set-up.
	NewConnection bool
	TLS           TLS
	// Twin is the same protocol on the other side of TLS (h2c and http2),
	// or "".
	Twin string
	// Schemes are the URL schemes of its targets.
	Schemes []string
}

// All returns every protocol, the default (http1) first. The caller may
// keep or change the slice.
func All() []Protocol {
	return []Protocol{
		{Name: HTTP1, Title: "HTTP/1.1", EventLoop: true, NewConnection: true, TLS: TLSOptional, Schemes: []string{"http", "https"}},
		{Name: H2C, Title: "HTTP/2 over cleartext", Streams: true, NewConnection: true, TLS: TLSNever, Twin: HTTP2, Schemes: []string{"http"}},
		{Name: HTTP2, Title: "HTTP/2 over TLS", Streams: true, NewConnection: true, TLS: TLSRequired, Twin: H2C, Schemes: []string{"https"}},
		{Name: TCP, Title: "TCP echo", EventLoop: true, NewConnection: true, TLS: TLSNever, Schemes: []string{"tcp"}},
		{Name: GRPC, Title: "unary gRPC", NewConnection: true, TLS: TLSOptional, Schemes: []string{"grpc", "grpcs"}},
	}
}

// Lookup returns the protocol called name.
func Lookup(name string) (Protocol, bool) {
	all := All()
	i := slices.IndexFunc(all, func(p Protocol) bool { return p.Name == name })
	if i < 0 {
		return Protocol{}, false
	}
	return all[i], true
}

// Names returns the names of the protocols that have every capability has
// asks for (all of them with no arguments), in the order of All.
func Names(has ...func(Protocol) bool) []string {
	var names []string
	for _, p := range All() {
		if !slices.ContainsFunc(has, func(h func(Protocol) bool) bool { return !h(p) }) {
			names = append(names, p.Name)
		}
	}
	return names
}

// Titles returns the titles of the protocols that have every capability
// has asks for, in the order of All.
func Titles(has ...func(Protocol) bool) []string {
	var titles []string
	for _, name := range Names(has...) {
		p, _ := Lookup(name)
		titles = append(titles, p.Title)
	}
	return titles
}

// HasEventLoop reports whether p's client can run on the event loop; a
// filter for Names and Titles.
func HasEventLoop(p Protocol) bool { return p.EventLoop }

// HasStreams reports whether p multiplexes streams on a connection; a
// filter for Names and Titles.
func HasStreams(p Protocol) bool { return p.Streams }

// Schemes returns the URL schemes of every protocol, each once, in the
// order of All.
func Schemes() []string {
	var s []string
	for _, p := range All() {
		for _, sc := range p.Schemes {
			if !slices.Contains(s, sc) {
				s = append(s, sc)
			}
		}
	}
	return s
}
