// Package proxy is smp's reference sidecar: a minimal HTTP/1.1 reverse
// proxy with one listener per route, optionally terminating or originating
// mutual TLS 1.3, and with its own request counters and latency histogram
// in the Prometheus text format on an optional metrics listener. It exists as a zero-dependency calibration point for what
// one L7 proxy hop costs; `smp proxy --config FILE` runs it.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

// Route modes.
const (
	Plain         = ""               // plaintext in and out
	TerminateMTLS = "terminate-mtls" // mTLS in, plaintext to the upstream (inbound)
	OriginateMTLS = "originate-mtls" // plaintext in, mTLS to the upstream (outbound)
)

// Config is the proxy's configuration file (JSON).
type Config struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Routes      []Route `json:"routes"`
	// Metrics is a host:port serving GET /metrics (Prometheus text
	// format): smp_proxy_requests_total, smp_proxy_responses_total and
	// smp_proxy_request_duration_seconds by route. Empty: none.
	Metrics string `json:"metrics,omitempty"`
}

// Route is one listener forwarding to one upstream.
type Route struct {
	Name     string `json:"name"`
	Listen   string `json:"listen"`
	Upstream string `json:"upstream"`
	Mode     string `json:"mode,omitempty"`
	TLS      *TLS   `json:"tls,omitempty"`
}

// TLS names PEM files, and the name to verify for OriginateMTLS.
type TLS struct {
	CA         string `json:"ca"`
	Cert       string `json:"cert"`
	Key        string `json:"key"`
	ServerName string `json:"serverName,omitempty"`
}

// tlsBase is TLS 1.3 only. Go does not let TLS 1.3 suites be configured;
// it prefers TLS_AES_128_GCM_SHA256 on AES hardware, the suite the other
// sidecar kinds are pinned to.
func tlsBase() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13}
}

// Serve runs every route until ctx is done. It returns the first error
// that stops a listener; nil after ctx is done.
func Serve(ctx context.Context, c Config, logger *log.Logger) error {
	if len(c.Routes) == 0 {
		return errors.New("proxy: no routes")
	}
	errs := make(chan error, len(c.Routes)+1)
	var servers []*http.Server
	closeAll := func() {
		for _, s := range servers {
			s.Close()
		}
	}
	stats := make([]*routeStats, len(c.Routes))
	for i, r := range c.Routes {
		stats[i] = &routeStats{name: r.Name}
		srv, ln, err := build(r, stats[i], logger)
		if err != nil {
			closeAll()
			return err
		}
		servers = append(servers, srv)
		go func() { errs <- srv.Serve(ln) }()
	}
	if c.Metrics != "" {
		srv, ln, err := metricsServer(c.Metrics, stats)
		if err != nil {
			closeAll()
			return err
		}
		servers = append(servers, srv)
		go func() { errs <- srv.Serve(ln) }()
	}
	logger.Printf("proxy %s: %d routes ready", c.Name, len(c.Routes))
	select {
	case <-ctx.Done():
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			closeAll()
			return err
		}
	}
	closeAll()
	return nil
}

func build(r Route, stats *routeStats, logger *log.Logger) (*http.Server, net.Listener, error) {
	up := &url.URL{Scheme: "http", Host: r.Upstream}
	transport := &http.Transport{
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	ln, err := net.Listen("tcp", r.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("proxy route %s: %w", r.Name, err)
	}
	switch r.Mode {
	case Plain:
	case TerminateMTLS, OriginateMTLS:
		if r.TLS == nil {
			ln.Close()
			return nil, nil, fmt.Errorf("proxy route %s: mode %s needs tls", r.Name, r.Mode)
		}
		cfg, err := loadTLS(r.TLS)
		if err != nil {
			ln.Close()
			return nil, nil, fmt.Errorf("proxy route %s: %w", r.Name, err)
		}
		if r.Mode == TerminateMTLS {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.ClientCAs = cfg.RootCAs
			ln = tls.NewListener(ln, cfg)
		} else {
			cfg.ServerName = r.TLS.ServerName
			transport.TLSClientConfig = cfg
			up.Scheme = "https"
		}
	default:
		ln.Close()
		return nil, nil, fmt.Errorf("proxy route %s: mode %q: expected %q, %q or empty", r.Name, r.Mode, TerminateMTLS, OriginateMTLS)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(up); pr.Out.Host = pr.In.Host },
		Transport: transport,
		ErrorLog:  logger,
		ModifyResponse: func(resp *http.Response) error {
			stats.status(resp.StatusCode)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			logger.Printf("route %s: upstream %s: %v", r.Name, r.Upstream, err)
			stats.status(http.StatusBadGateway)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := &http.Server{Handler: stats.instrument(rp), ReadHeaderTimeout: 30 * time.Second, ErrorLog: logger}
	return srv, ln, nil
}

func loadTLS(t *TLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(t.CA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", t.CA)
	}
	cfg := tlsBase()
	cfg.Certificates = []tls.Certificate{cert}
	cfg.RootCAs = pool
	return cfg, nil
}
