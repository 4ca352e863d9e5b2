// Package http2 is smp's HTTP/2 load client, over TLS (ALPN h2) or over
// cleartext with prior knowledge (h2c), built on golang.org/x/net/http2.
//
// Streams: the engine runs one worker per Conn and calls Do once per
// request, timing it from its intended send time. To carry Streams
// requests at once on one connection, the Client hands out Streams Conns
// per connection: consecutive Conn calls share one HTTP/2 connection
// until Streams of them do, then a new connection begins. A plan therefore
// has connections × streams workers (see Plan in package run); each is one
// stream slot of its connection and keeps the engine's timing exactly.
//
// Request mixes: with Config.Variants, each request picks a variant (and a
// body size) from its stream slot's own seeded sequence (package reqmix);
// every variant and size is made into a request template once, before the
// run.
package http2

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"

	"golang.org/x/net/http2"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/reqmix"
)

// Config describes the request every stream sends.
type Config struct {
	// URL is http:// (with H2C) or https:// (HTTP/2 over TLS).
	URL       *url.URL
	Method    string            // default GET
	Headers   map[string]string // extra headers; Host overrides the authority
	Body      []byte
	UserAgent string
	// TLS is used for https URLs; nil means the system roots and the URL's
	// host as server name. NextProtos is set to h2.
	TLS *tls.Config
	// Streams is how many Conns share one connection (requests in flight
	// on it at once); 0 means 1.
	Streams int
	// NewConnection opens a connection for every request and times its
	// set-up and the wait for its response's headers (each Response
	// carries them). Streams must then be 1.
	NewConnection bool
	// Variants, when set, make a weighted request mix (see Variant): each
	// request picks one, and Method and Body must be left empty. Headers
	// apply to every variant, a variant's own headers winning.
	Variants []Variant
	// Seed drives the mix: its body size tables, and each Conn's sequence
	// of picks (the n-th Conn of a Client, that is the n-th stream slot,
	// gets stream n).
	Seed uint64
}

// Client is a load.Dialer for HTTP/2.
type Client struct {
	addr    string
	tls     *tls.Config // nil: h2c
	tr      *http2.Transport
	req     prepared // every request, without a mix
	streams int
	newConn bool
	mix     *mix          // nil: every request is req
	seed    uint64        // of the mix
	conns   atomic.Uint64 // Conns made, numbering their pick sequences

	mu    sync.Mutex
	group *shared // the connection new Conns join
	left  int     // Conns group still takes
}

var _ load.Dialer = (*Client)(nil)

// New checks cfg and prepares the request.
func New(cfg Config) (*Client, error) {
	u := cfg.URL
	if u == nil {
		return nil, fmt.Errorf("http2: URL is required")
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("http2: URL %q has no host", u.String())
	}
	streams := cfg.Streams
	switch {
	case streams == 0:
		streams = 1
	case streams < 0:
		return nil, fmt.Errorf("http2: streams %d: expected >= 1", streams)
	case streams > 1 && cfg.NewConnection:
		return nil, fmt.Errorf("http2: streams %d with a connection per request: expected 1", streams)
	}
	c := &Client{streams: streams, newConn: cfg.NewConnection, seed: cfg.Seed}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
		t := cfg.TLS
		if t == nil {
			t = &tls.Config{}
		}
		t = t.Clone()
		if t.ServerName == "" {
			t.ServerName = u.Hostname()
		}
		// http/1.1 is offered too, so that a server without HTTP/2 says
		// so (a protocol error naming what it chose) instead of failing
		// the handshake.
		t.NextProtos = []string{http2.NextProtoTLS, "http/1.1"}
		c.tls = t
	default:
		return nil, fmt.Errorf("http2: URL scheme %q: expected http (h2c) or https", u.Scheme)
	}
	c.addr = net.JoinHostPort(u.Hostname(), port)
	c.tr = &http2.Transport{AllowHTTP: true, DisableCompression: true}

	if len(cfg.Variants) > 0 {
		if cfg.Method != "" || len(cfg.Body) > 0 {
			return nil, fmt.Errorf("http2: method %q and a %d-byte body with variants: expected them empty (each variant has its own)", cfg.Method, len(cfg.Body))
		}
		m, err := newMix(u, cfg.Variants, cfg.Headers, cfg.UserAgent, cfg.Seed)
		if err != nil {
			return nil, err
		}
		c.mix, c.req = m, m.variants[0][0]
		return c, nil
	}
	req, err := prepare(u, cfg.Method, cfg.Headers, nil, cfg.UserAgent, cfg.Body)
	if err != nil {
		return nil, err
	}
	c.req = req
	return c, nil
}

// Addr is the host:port connections go to.
func (c *Client) Addr() string { return c.addr }

// Streams is how many Conns share a connection.
func (c *Client) Streams() int { return c.streams }

// Conn implements load.Dialer: every Streams consecutive Conns share one
// connection. With NewConnection, each Conn opens its own per request and
// times it.
func (c *Client) Conn(ctx context.Context) load.Conn {
	s := &stream{c: c, ctx: ctx}
	if c.mix != nil {
		s.picks = reqmix.NewPicks(c.seed, c.conns.Add(1)-1)
	}
	if c.newConn {
		s.sh = &shared{c: c, ctx: ctx}
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left == 0 {
		c.group, c.left = &shared{c: c, ctx: ctx}, c.streams
	}
	c.left--
	s.sh = c.group
	return s
}
