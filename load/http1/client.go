// Package http1 is smp's HTTP/1.1 load client: one keep-alive connection per
// worker, the request serialized once, responses parsed from one fixed,
// reused read buffer without allocation on the per-request path.
package http1

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/smp-dev/smp/load"
)

// Config describes the request every connection sends.
type Config struct {
	URL       *url.URL
	Method    string            // default GET
	Headers   map[string]string // extra headers; Host may be overridden here
	Body      []byte
	UserAgent string
	// TLS is used for https URLs; nil means the system roots and the URL's
	// host as server name.
	TLS *tls.Config
	// ReadBuffer is the per-connection read buffer size; a response header
	// block must fit in it. Default 64 KiB.
	ReadBuffer int
	// Variants, when set, make a weighted request mix (see Variant): each
	// request picks one, and Method and Body must be left empty. Headers
	// apply to every variant, a variant's own headers winning.
	Variants []Variant
	// Seed drives the mix: its body size tables, and each connection's
	// sequence of picks (the n-th Conn of a Client gets stream n).
	Seed uint64
	// NewConnection opens a connection for every request (and asks the
	// server to close it, with Connection: close unless Headers set
	// Connection), timing its TCP connect, TLS handshake and time to
	// first byte: each Response then carries them. Off, connections are
	// kept alive and set-up is not timed.
	NewConnection bool
}

// Client is a load.Dialer for HTTP/1.1.
type Client struct {
	addr    string
	tls     *tls.Config
	req     []byte
	head    bool
	bufSize int
	mix     *mix          // nil: every request is req
	seed    uint64        // of the mix
	conns   atomic.Uint64 // Conns made, numbering their pick sequences
	newConn bool          // one connection per request, set-up timed
}

var _ load.Dialer = (*Client)(nil)

// New checks cfg and serializes the request once.
func New(cfg Config) (*Client, error) {
	u := cfg.URL
	if u == nil {
		return nil, fmt.Errorf("http1: URL is required")
	}
	var tlsConf *tls.Config
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
		tlsConf = cfg.TLS
		if tlsConf == nil {
			tlsConf = &tls.Config{}
		}
		tlsConf = tlsConf.Clone()
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = u.Hostname()
		}
		tlsConf.NextProtos = []string{"http/1.1"}
	default:
		return nil, fmt.Errorf("http1: URL scheme %q: expected http or https", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("http1: URL %q has no host", u.String())
	}
	method := cfg.Method
	if method == "" {
		method = "GET"
	}
	headers := cfg.Headers
	if cfg.NewConnection && !hasHeader(headers, "Connection") {
		headers = maps.Clone(headers)
		if headers == nil {
			headers = map[string]string{}
		}
		headers["Connection"] = "close"
	}
	bufSize := cfg.ReadBuffer
	if bufSize <= 0 {
		bufSize = 64 << 10
	}
	c := &Client{
		addr:    net.JoinHostPort(u.Hostname(), port),
		tls:     tlsConf,
		req:     serialize(u, method, headers, cfg.Body, cfg.UserAgent),
		head:    method == "HEAD",
		bufSize: bufSize,
		seed:    cfg.Seed,
		newConn: cfg.NewConnection,
	}
	if len(cfg.Variants) > 0 {
		if cfg.Method != "" || len(cfg.Body) > 0 {
			return nil, fmt.Errorf("http1: method %q and a %d-byte body with variants: expected them empty (each variant has its own)", cfg.Method, len(cfg.Body))
		}
		m, err := newMix(u, cfg.Variants, headers, cfg.UserAgent, cfg.Seed, inlineBudget)
		if err != nil {
			return nil, err
		}
		c.mix = m
		first := &m.variants[0].slots[0]
		c.req, c.head = append(slices.Clip(first.req), first.body...), first.head
	}
	return c, nil
}

// serialize writes the request line, headers and body in wire form.
func serialize(u *url.URL, method string, headers map[string]string, body []byte, ua string) []byte {
	b := serializeHead(u, u.RequestURI(), method, headers, len(body), ua)
	return append(b, body...)
}

// serializeHead writes the request line and headers in wire form, for a
// body of bodyLen bytes.
func serializeHead(u *url.URL, target, method string, headers map[string]string, bodyLen int, ua string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	has := func(name string) bool { return hasHeader(headers, name) }
	if !has("Host") {
		fmt.Fprintf(&b, "Host: %s\r\n", u.Host)
	}
	if !has("User-Agent") && ua != "" {
		fmt.Fprintf(&b, "User-Agent: %s\r\n", ua)
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s\r\n", k, headers[k])
	}
	if (bodyLen > 0 || method == "POST" || method == "PUT" || method == "PATCH") && !has("Content-Length") {
		fmt.Fprintf(&b, "Content-Length: %s\r\n", strconv.Itoa(bodyLen))
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// hasHeader reports whether headers has name, in any case.
func hasHeader(headers map[string]string, name string) bool {
	for k := range headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// Conn implements load.Dialer.
func (c *Client) Conn(ctx context.Context) load.Conn {
	cn := &conn{c: c, ctx: ctx, buf: make([]byte, c.bufSize), head: c.head}
	if c.mix != nil {
		cn.picks = newPicks(c.seed, c.conns.Add(1)-1)
	}
	return cn
}

// Addr is the host:port connections go to.
func (c *Client) Addr() string { return c.addr }

// Request returns the serialized request (for display and tests); for a
// mix, the first variant's first request.
func (c *Client) Request() []byte { return c.req }
