package http2_test

import (
	"context"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// delay is the target's service time in the first-byte tests.
const delay = 20 * time.Millisecond

// checkFirstByte fails unless every request of res has a first-byte time
// that holds the target's delay (the server answers delay after reading
// the whole request) and leaves out the connection's set-up, which stays
// well below it on loopback.
func checkFirstByte(t *testing.T, res *load.Result) {
	t.Helper()
	fb := res.FirstByte
	if res.Requests == 0 || fb == nil || fb.Count() != res.Requests {
		t.Fatalf("firstByte %v for %d requests; want one each", fb, res.Requests)
	}
	if fb.Min() < delay || fb.Quantile(50) > delay+15*time.Millisecond {
		t.Errorf("firstByte min %v p50 %v; want at least the %v delay, and not much more", fb.Min(), fb.Quantile(50), delay)
	}
	if res.ConnectTime == nil || res.ConnectTime.Quantile(50) > delay/4 {
		t.Errorf("connectTime %v; want a p50 well below the %v delay", res.ConnectTime, delay)
	}
	// Each request's latency holds its connect, handshake and first-byte
	// wait, one after the other: so do the means (to the histograms'
	// 0.1%), unless the wait counted some of the set-up again.
	setUp := res.ConnectTime.Mean()
	if res.TLSHandshake != nil {
		setUp += res.TLSHandshake.Mean()
	}
	if lat := res.Uncorrected.Mean(); lat+lat/100 < setUp+fb.Mean() {
		t.Errorf("latency mean %v below set-up %v + firstByte %v", lat, setUp, fb.Mean())
	}
	t.Logf("firstByte p50 %v, connect p50 %v, latency p50 %v", fb.Quantile(50), res.ConnectTime.Quantile(50), res.Uncorrected.Quantile(50))
}

func TestFirstByte(t *testing.T) {
	m := certstest.New(t)
	h2c := targettest.Start(t, target.Options{Size: 100, Delay: delay})
	tlsSrv := targettest.Start(t, target.Options{Size: 100, Delay: delay, TLS: m.Server})
	mtls := m.WithCert
	tests := []struct {
		name string
		url  string
		cfg  http2.Config
	}{
		// A GET: the request ends with its HEADERS frame.
		{"h2c get", h2c.URL(), http2.Config{}},
		// A 200KiB POST: the request ends with its last DATA frame,
		// past the first flow-control window.
		{"h2c post", h2c.URL(), http2.Config{Method: "POST", Body: make([]byte, 200<<10)}},
		// Over mTLS: the handshake is left out as well.
		{"http2 mtls", tlsSrv.URL(), http2.Config{TLS: mtls}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.NewConnection = true
			res, _ := run(t, newClient(t, tt.cfg, tt.url), 2, srvOf(tt.url, h2c, tlsSrv))
			ok(t, res, 100)
			checkFirstByte(t, res)
			if tt.cfg.TLS != nil && (res.TLSHandshake == nil || res.TLSHandshake.Count() != res.Requests) {
				t.Errorf("tlsHandshake %v for %d requests", res.TLSHandshake, res.Requests)
			}
		})
	}
	// Shared connections are not timed: their responses measure nothing.
	c := newClient(t, http2.Config{}, h2c.URL())
	cn := c.Conn(context.Background())
	if resp, err := cn.Do(time.Now().Add(5 * time.Second)); err != nil || resp.Status != 200 ||
		resp.Connect != 0 || resp.TLSHandshake != 0 || resp.FirstByte != 0 {
		t.Errorf("shared connection: %+v, %v; want status 200 and nothing timed", resp, err)
	}
	cn.Close()
	if res, _ := run(t, c, 1, h2c); res.FirstByte != nil || res.ConnectTime != nil {
		t.Errorf("shared connection: firstByte %v, connectTime %v; want neither", res.FirstByte, res.ConnectTime)
	}
}

// srvOf is the server of the two whose URL is url.
func srvOf(url string, a, b *target.Server) *target.Server {
	if a.URL() == url {
		return a
	}
	return b
}
