// Package http1 is smp's HTTP/1.1 load client: one keep-alive connection per
// worker, the request serialized once, responses parsed from one fixed,
// reused read buffer without allocation on the per-request path.
package http1

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

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
}

// Client is a load.Dialer for HTTP/1.1.
type Client struct {
	addr    string
	tls     *tls.Config
	req     []byte
	head    bool
	bufSize int
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
	bufSize := cfg.ReadBuffer
	if bufSize <= 0 {
		bufSize = 64 << 10
	}
	return &Client{
		addr:    net.JoinHostPort(u.Hostname(), port),
		tls:     tlsConf,
		req:     serialize(u, method, cfg.Headers, cfg.Body, cfg.UserAgent),
		head:    method == "HEAD",
		bufSize: bufSize,
	}, nil
}

// serialize writes the request line, headers and body in wire form.
func serialize(u *url.URL, method string, headers map[string]string, body []byte, ua string) []byte {
	target := u.RequestURI()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	has := func(name string) bool {
		for k := range headers {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
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
	if (len(body) > 0 || method == "POST" || method == "PUT" || method == "PATCH") && !has("Content-Length") {
		fmt.Fprintf(&b, "Content-Length: %s\r\n", strconv.Itoa(len(body)))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return []byte(b.String())
}

// Conn implements load.Dialer.
func (c *Client) Conn(ctx context.Context) load.Conn {
	return &conn{c: c, ctx: ctx, buf: make([]byte, c.bufSize)}
}

// Addr is the host:port connections go to.
func (c *Client) Addr() string { return c.addr }

// Request returns the serialized request (for display and tests).
func (c *Client) Request() []byte { return c.req }
