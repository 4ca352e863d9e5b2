// Package target is smp's built-in echo target: an HTTP server that
// answers every request after a fixed service time with a body of a fixed
// size and a status drawn, in a fixed rotation, from a status mix. It gives
// tests and benchmarks a server whose latency is known. A cleartext port
// serves HTTP/1.1 and h2c (HTTP/2 with prior knowledge); with TLS it
// serves HTTP/1.1 and HTTP/2 by ALPN, optionally requiring client
// certificates (TLSConfig). Beside it, StartEcho serves TCP echo and
// StartGRPC serves gRPC (health and PingMethod), so that every protocol of
// package load can be driven locally.
//
// The sample app's gRPC services are GRPCServers too (SizedReply, with a
// GRPCDownstream to call first), optionally managed over xDS (Istio
// proxyless gRPC), each with an Admin port in plain HTTP: readiness, a
// Probe for config propagation, and the calls counted by peer identity.
//
// Per-request overrides: the query parameters delay (a Go duration), size
// (bytes) and status (a code) replace the server's settings for that request.
package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/smp-dev/smp/internal/precise"
)

// Options configure a Server.
type Options struct {
	Addr  string        // listen address; "127.0.0.1:0" picks a free port
	Delay time.Duration // service time per request
	Size  int64         // response body bytes
	// Statuses is the status mix: each request gets the next entry of this
	// rotation. Empty means always 200.
	Statuses []int
	// Downstream, when set, is called for every request before it is
	// answered (the sample app's call to its downstream services); an error
	// answers 502 Bad Gateway.
	Downstream func(ctx context.Context) error
	// TLS, when set, makes the server speak HTTPS only: HTTP/1.1 and
	// HTTP/2, chosen by ALPN. Its Certificates (or GetCertificate) are
	// required; ClientAuth and ClientCAs require client certificates
	// (mTLS). See TLSConfig.
	TLS *tls.Config
	// NoH2C turns off HTTP/2 with prior knowledge (h2c) on a cleartext
	// port; by default a cleartext port serves both HTTP/1.1 and h2c.
	NoH2C bool
	// Stall, when set, holds every request that arrives in the first
	// Stall.For of each Stall.Every (from the server's start) until that
	// stall ends: a stall of known length and period, which a generator
	// timing from the intended send time charges to every request it
	// delayed.
	Stall *Stall
}

// Stall is a periodic pause of the server: For out of every Every.
type Stall struct {
	For, Every time.Duration
}

// HealthPath answers 200 at once, without delay or downstream calls, and
// is not counted: platforms poll it for readiness.
const HealthPath = "/healthz"

// MaxSize bounds response bodies (and the size override).
const MaxSize = 64 << 20

// Server is a running target.
type Server struct {
	opts  Options
	body  []byte
	ln    net.Listener
	srv   *http.Server
	count atomic.Uint64
	conns atomic.Int64
	began time.Time // the Stall periods' origin
	done  chan error
}

// Start listens on opts.Addr and serves until ctx is done or Close is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Delay < 0 {
		return nil, fmt.Errorf("target: delay %v: expected >= 0", opts.Delay)
	}
	if opts.Size < 0 || opts.Size > MaxSize {
		return nil, fmt.Errorf("target: size %d: expected 0 to %d bytes", opts.Size, MaxSize)
	}
	if st := opts.Stall; st != nil && (st.For <= 0 || st.Every <= st.For) {
		return nil, fmt.Errorf("target: stall %v every %v: expected 0 < stall < period", st.For, st.Every)
	}
	for _, s := range opts.Statuses {
		if s < 200 || s > 599 {
			return nil, fmt.Errorf("target: status %d: expected 200 to 599", s)
		}
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("target: listen on %s: %w", opts.Addr, err)
	}
	s := &Server{opts: opts, body: filler(opts.Size), ln: ln, done: make(chan error, 1), began: time.Now()}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(opts.TLS != nil)
	protos.SetUnencryptedHTTP2(opts.TLS == nil && !opts.NoH2C)
	s.srv = &http.Server{
		Protocols:         &protos,
		TLSConfig:         opts.TLS,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				s.conns.Add(-1)
			}
		},
	}
	go func() {
		var err error
		if opts.TLS != nil {
			err = s.srv.ServeTLS(ln, "", "")
		} else {
			err = s.srv.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	context.AfterFunc(ctx, func() { _ = s.Close() }) // Wait reports how the server ended
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server's base URL.
func (s *Server) URL() string {
	if s.opts.TLS != nil {
		return "https://" + s.Addr() + "/"
	}
	return "http://" + s.Addr() + "/"
}

// Requests is how many requests the server has answered.
func (s *Server) Requests() uint64 { return s.count.Load() }

// OpenConns is how many client connections are open now.
func (s *Server) OpenConns() int64 { return s.conns.Load() }

// Close stops the server and its connections.
func (s *Server) Close() error { return s.srv.Close() }

// Wait blocks until the server has stopped and returns why it stopped
// (nil after Close or context cancellation).
func (s *Server) Wait() error {
	err := <-s.done
	s.done <- err
	return err
}

func filler(n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath {
		w.WriteHeader(http.StatusOK) // readiness: no delay, no downstream call
		return
	}
	n := s.count.Add(1)
	delay, body, status := s.opts.Delay, s.body, 200
	if len(s.opts.Statuses) > 0 {
		status = s.opts.Statuses[(n-1)%uint64(len(s.opts.Statuses))]
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		if v := q.Get("delay"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				http.Error(w, "delay: expected a duration >= 0 such as 5ms", http.StatusBadRequest)
				return
			}
			delay = d
		}
		if v := q.Get("size"); v != "" {
			sz, err := strconv.ParseInt(v, 10, 64)
			if err != nil || sz < 0 || sz > MaxSize {
				http.Error(w, fmt.Sprintf("size: expected 0 to %d bytes", MaxSize), http.StatusBadRequest)
				return
			}
			if sz <= int64(len(s.body)) {
				body = s.body[:sz]
			} else {
				body = filler(sz)
			}
		}
		if v := q.Get("status"); v != "" {
			c, err := strconv.Atoi(v)
			if err != nil || c < 200 || c > 599 {
				http.Error(w, "status: expected 200 to 599", http.StatusBadRequest)
				return
			}
			status = c
		}
	}
	_, _ = io.Copy(io.Discard, r.Body)
	if s.opts.Downstream != nil {
		if err := s.opts.Downstream(r.Context()); err != nil {
			http.Error(w, "downstream: "+err.Error(), http.StatusBadGateway)
			return
		}
	}
	if st := s.opts.Stall; st != nil {
		if phase := time.Since(s.began) % st.Every; phase < st.For && !sleep(r.Context(), st.For-phase) {
			return
		}
	}
	if delay > 0 && !sleep(r.Context(), delay) {
		return
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/octet-stream"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// sleep holds a request for d, precisely; false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	sl, err := precise.NewOneShot(ctx)
	if err != nil { // out of descriptors: the runtime timer still works
		select {
		case <-time.After(d):
			return true
		case <-ctx.Done():
			return false
		}
	}
	defer sl.Close()
	return sl.Sleep(d)
}
