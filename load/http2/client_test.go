package http2_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

func newClient(t *testing.T, cfg http2.Config, rawURL string) *http2.Client {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.URL = u
	c, err := http2.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run drives c closed loop for 250ms (50ms warmup) with conns
// connections of c.Streams() workers each, and reports the most
// connections srv had open at once.
func run(t *testing.T, c *http2.Client, conns int, srv *target.Server) (*load.Result, int64) {
	t.Helper()
	var most atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				if n := srv.OpenConns(); n > most.Load() {
					most.Store(n)
				}
			}
		}
	}()
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: c, Connections: conns * c.Streams(), Duration: 250 * time.Millisecond,
		Warmup: 50 * time.Millisecond, Timeout: 2 * time.Second,
	})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	return res, most.Load()
}

func ok(t *testing.T, res *load.Result, size int64) {
	t.Helper()
	if res.Requests == 0 || res.Errors != 0 || res.StatusCodes[200] != res.Requests || res.BytesReceived != size*res.Requests {
		t.Fatalf("requests %d, errors %v, statuses %v, bytes %d; want all 200 with %d-byte bodies",
			res.Requests, res.ErrorKinds, res.StatusCodes, res.BytesReceived, size)
	}
}

func TestH2CStreams(t *testing.T) {
	srv := targettest.Start(t, target.Options{Size: 100, Delay: 20 * time.Millisecond})
	one, _ := run(t, newClient(t, http2.Config{}, srv.URL()), 1, srv)
	ok(t, one, 100)
	eight, most := run(t, newClient(t, http2.Config{Streams: 8}, srv.URL()), 1, srv)
	ok(t, eight, 100)
	// 8 streams of a 20ms service time on one connection: several times
	// the requests of one stream (bound kept loose for a busy machine).
	if eight.Requests < 2*one.Requests {
		t.Errorf("8 streams: %d requests; 1 stream: %d; want at least twice as many", eight.Requests, one.Requests)
	}
	if most != 1 {
		t.Errorf("server saw up to %d connections at once; want 1 (8 streams share it)", most)
	}
}

func TestHTTP2TLS(t *testing.T) {
	m := certstest.New(t)
	fx := m.Fixture
	srv := targettest.Start(t, target.Options{Size: 50, TLS: m.Server})
	withCert := load.TLSOptions{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}
	tests := []struct {
		name    string
		opts    load.TLSOptions
		streams int
		newConn bool
		kind    string // "" = every request succeeds
	}{
		// mTLS, 4 streams on each of 2 connections.
		{"mtls streams", withCert, 4, false, ""},
		// mTLS, a connection per request: handshakes timed.
		{"mtls new connection", withCert, 1, true, ""},
		// No client certificate: refused, a tls error.
		{"no client cert", load.TLSOptions{CACert: fx.CA}, 1, false, load.KindTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := tt.opts.Config()
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, http2.Config{TLS: tc, Streams: tt.streams, NewConnection: tt.newConn}, srv.URL())
			res, _ := run(t, c, 2, srv)
			if tt.kind != "" {
				// TLS 1.3 servers refuse a missing client certificate
				// after the client's handshake is done; their alert is
				// lost when the connection's reset overtakes it.
				if res.Requests == 0 || res.ErrorKinds[tt.kind] == 0 || res.ErrorKinds[tt.kind]+res.ErrorKinds[load.KindReset] != res.Requests {
					t.Fatalf("requests %d, error kinds %v; want every one %s (some may be reset)", res.Requests, res.ErrorKinds, tt.kind)
				}
				return
			}
			ok(t, res, 50)
			if !tt.newConn {
				if res.ConnectTime != nil {
					t.Error("keep-alive run has connect times")
				}
				return
			}
			if res.ConnectTime == nil || res.ConnectTime.Count() != res.Requests || res.ConnectTime.Min() <= 0 ||
				res.TLSHandshake == nil || res.TLSHandshake.Count() != res.Requests || res.TLSHandshake.Min() <= 0 {
				t.Errorf("handshakes not timed for each of %d requests: connect %v, tls %v", res.Requests, res.ConnectTime, res.TLSHandshake)
			}
		})
	}
}

func TestHTTP2NotNegotiated(t *testing.T) {
	// A TLS server that speaks only HTTP/1.1: the client reports a
	// protocol error rather than speaking HTTP/2 at it.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	tc, err := load.TLSOptions{Insecure: true}.Config()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, http2.Config{TLS: tc}, srv.URL)
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: c, Connections: 1, Duration: 200 * time.Millisecond, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.ErrorKinds[load.KindProtocol] != res.Requests {
		t.Fatalf("requests %d, error kinds %v; want every one %s", res.Requests, res.ErrorKinds, load.KindProtocol)
	}
}

func TestNewRejects(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1/")
	ftp, _ := url.Parse("ftp://127.0.0.1/")
	for _, cfg := range []http2.Config{
		{},                    // no URL
		{URL: ftp},            // scheme
		{URL: u, Streams: -1}, // negative streams
		{URL: u, Streams: 2, NewConnection: true}, // streams with a connection per request
	} {
		if _, err := http2.New(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
