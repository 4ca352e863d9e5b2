package http1_test

import (
	"context"
	"crypto/tls"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// tlsTarget starts the built-in target over TLS with the fixture's server
// certificate, requiring client certificates when mtls; resumed counts
// the handshakes that resumed a session.
func tlsTarget(t *testing.T, fx certs.Fixture, mtls bool, resumed *atomic.Int64) *target.Server {
	t.Helper()
	f := target.TLSFiles{Cert: fx.ServerCert, Key: fx.ServerKey}
	if mtls {
		f.ClientCA = fx.CA
	}
	cfg, _, err := target.TLSConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if cs.DidResume && resumed != nil {
			resumed.Add(1)
		}
		return nil
	}
	return targettest.Start(t, target.Options{Size: 100, TLS: cfg})
}

// closedLoop runs c for 250ms (50ms warmup) on 2 connections.
func closedLoop(t *testing.T, c *http1.Client) *load.Result {
	t.Helper()
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: c, Connections: 2, Duration: 250 * time.Millisecond,
		Warmup: 50 * time.Millisecond, Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func client(t *testing.T, rawURL string, o load.TLSOptions, newConn bool) *http1.Client {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.Config()
	if err != nil {
		t.Fatal(err)
	}
	c, err := http1.New(http1.Config{URL: u, TLS: cfg, NewConnection: newConn})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTLS(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mtls := tlsTarget(t, fx, true, nil)
	plain := tlsTarget(t, fx, false, nil)
	withCert := load.TLSOptions{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}
	tests := []struct {
		name    string
		url     string
		opts    load.TLSOptions
		newConn bool
		kind    string // "" = every request succeeds; else every one fails so
	}{
		// mTLS with a client certificate, connections kept alive.
		{"mtls", mtls.URL(), withCert, false, ""},
		// mTLS without a client certificate: the server's alert is a tls error.
		{"mtls no cert", mtls.URL(), load.TLSOptions{CACert: fx.CA}, false, load.KindTLS},
		// The same, a connection per request (refused in the handshake or the first read).
		{"mtls no cert new connection", mtls.URL(), load.TLSOptions{CACert: fx.CA}, true, load.KindTLS},
		// A server certificate the client does not trust.
		{"unknown CA", plain.URL(), load.TLSOptions{}, false, load.KindTLS},
		// The same, not verified.
		{"insecure", plain.URL(), load.TLSOptions{Insecure: true}, false, ""},
		// mTLS, a connection per request.
		{"mtls new connection", mtls.URL(), withCert, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := closedLoop(t, client(t, tt.url, tt.opts, tt.newConn))
			if res.Requests == 0 {
				t.Fatal("no requests")
			}
			if tt.kind == "" {
				if res.Errors != 0 || res.StatusCodes[200] != res.Requests || res.BytesReceived < 100*res.Requests {
					t.Fatalf("requests %d, errors %v, statuses %v, bytes %d; want all 200 with 100-byte bodies",
						res.Requests, res.ErrorKinds, res.StatusCodes, res.BytesReceived)
				}
			} else if res.ErrorKinds[tt.kind] == 0 || res.ErrorKinds[tt.kind]+res.ErrorKinds[load.KindReset] != res.Requests {
				// TLS 1.3 servers refuse a missing client certificate
				// after the client's handshake is done; their alert is
				// lost when the connection's reset overtakes it.
				t.Fatalf("requests %d, error kinds %v; want every one %s (some may be reset)", res.Requests, res.ErrorKinds, tt.kind)
			}
			if !tt.newConn && (res.ConnectTime != nil || res.TLSHandshake != nil) {
				t.Errorf("keep-alive run has connect/handshake histograms")
			}
			if tt.newConn && tt.kind == "" {
				checkHandshakes(t, res, true)
			}
		})
	}
}

// checkHandshakes checks that every request was timed: a connect each, and
// a TLS handshake each when withTLS.
func checkHandshakes(t *testing.T, res *load.Result, withTLS bool) {
	t.Helper()
	if res.ConnectTime == nil || res.ConnectTime.Count() != res.Requests || res.ConnectTime.Min() <= 0 {
		t.Fatalf("connect times missing or short: %v for %d requests", res.ConnectTime, res.Requests)
	}
	switch {
	case !withTLS && res.TLSHandshake != nil:
		t.Errorf("cleartext run has %d TLS handshakes", res.TLSHandshake.Count())
	case withTLS && (res.TLSHandshake == nil || res.TLSHandshake.Count() != res.Requests || res.TLSHandshake.Min() <= 0):
		t.Errorf("TLS handshakes missing or short: %v for %d requests", res.TLSHandshake, res.Requests)
	}
}

func TestNewConnectionCleartext(t *testing.T) {
	srv := targettest.Start(t, target.Options{Size: 10})
	// Keep-alive conns do not time set-up: their responses measure nothing.
	cn := client(t, srv.URL(), load.TLSOptions{}, false).Conn(context.Background())
	defer cn.Close()
	if resp, err := cn.Do(time.Now().Add(5 * time.Second)); err != nil || resp.Status != 200 ||
		resp.Connect != 0 || resp.TLSHandshake != 0 || resp.FirstByte != 0 {
		t.Errorf("keep-alive request: %+v, %v; want status 200 and nothing timed", resp, err)
	}
	res := closedLoop(t, client(t, srv.URL(), load.TLSOptions{}, true))
	if res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("requests %d, errors %v", res.Requests, res.ErrorKinds)
	}
	checkHandshakes(t, res, false)
	if n := srv.OpenConns(); n > 2 {
		t.Errorf("%d connections still open after the run; want each closed after its request", n)
	}
}

func TestSessionReuse(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, reuse := range []bool{false, true} {
		var resumed atomic.Int64
		srv := tlsTarget(t, fx, true, &resumed)
		o := load.TLSOptions{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey, SessionReuse: reuse}
		res := closedLoop(t, client(t, srv.URL(), o, true))
		if res.Errors != 0 {
			t.Fatalf("reuse %v: errors %v", reuse, res.ErrorKinds)
		}
		if got := resumed.Load() > 0; got != reuse {
			t.Errorf("reuse %v: %d of ~%d handshakes resumed", reuse, resumed.Load(), res.Requests)
		}
	}
}

func TestTLSOptionsErrors(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []load.TLSOptions{
		{CACert: "/nonexistent/ca.pem"},                 // missing file
		{CACert: fx.ClientKey},                          // not a certificate
		{Cert: fx.ClientCert},                           // cert without key
		{Cert: fx.ClientCert, Key: fx.ServerKey},        // key of another certificate
		{Cert: "/nonexistent/c.pem", Key: fx.ClientKey}, // missing cert file
	} {
		if _, err := o.Config(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
