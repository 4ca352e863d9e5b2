package grpc_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/grpc"
	"github.com/smp-dev/smp/target"
)

// openFiles is how many descriptors the process has open.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(fds)
}

// settle fails unless goroutines and descriptors fall back to what they
// were (the run's connections, client and server side, all closed).
func settle(t *testing.T, goroutines, files int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for (runtime.NumGoroutine() > goroutines || openFiles(t) > files) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g, f := runtime.NumGoroutine(), openFiles(t); g > goroutines || f > files {
		buf := make([]byte, 1<<16)
		t.Fatalf("after the run: %d goroutines (%d before), %d open files (%d before)\n%s", g, goroutines, f, files, buf[:runtime.Stack(buf, true)])
	}
}

func TestNewConnection(t *testing.T) {
	const delay = 20 * time.Millisecond
	m := certstest.New(t)
	plain := startGRPC(t, target.GRPCOptions{Delay: delay})
	mtls := startGRPC(t, target.GRPCOptions{Delay: delay, TLS: m.Server})
	withCert, noCert := m.WithCert, m.NoCert
	tests := []struct {
		name  string
		cfg   grpc.Config
		delay time.Duration // the server's: the least time to first byte
		kind  string        // "" = every call succeeds
	}{
		// Pings held 20ms by the server, cleartext.
		{"ping", grpc.Config{Addr: plain.Addr(), Method: grpc.MethodPing, PayloadSize: 100}, delay, ""},
		// The same with a payload spanning several DATA frames.
		{"large ping", grpc.Config{Addr: plain.Addr(), Method: grpc.MethodPing, PayloadSize: 100 << 10}, delay, ""},
		// Pings over mTLS: the handshake is timed and left out too.
		{"mtls ping", grpc.Config{Addr: mtls.Addr(), Method: grpc.MethodPing, TLS: withCert}, delay, ""},
		// Health checks, answered at once.
		{"health", grpc.Config{Addr: plain.Addr()}, 0, ""},
		// No client certificate: each connection is refused, a tls error.
		{"mtls no cert", grpc.Config{Addr: mtls.Addr(), TLS: noCert}, 0, load.KindTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goroutines, files := runtime.NumGoroutine(), openFiles(t)
			tt.cfg.NewConnection = true
			res := run(t, tt.cfg)
			settle(t, goroutines, files)
			if tt.kind != "" {
				if res.Requests == 0 || res.ErrorKinds[tt.kind] == 0 || res.ErrorKinds[tt.kind]+res.ErrorKinds[load.KindReset] != res.Requests {
					t.Fatalf("requests %d, error kinds %v; want every one %s (some may be reset)", res.Requests, res.ErrorKinds, tt.kind)
				}
				return
			}
			if res.Requests == 0 || res.Errors != 0 || res.StatusCodes[0] != res.Requests {
				t.Fatalf("requests %d, errors %v, statuses %v", res.Requests, res.ErrorKinds, res.StatusCodes)
			}
			fb, ct, hs := res.FirstByte, res.ConnectTime, res.TLSHandshake
			if fb == nil || fb.Count() != res.Requests || fb.Min() <= 0 || ct == nil || ct.Count() != res.Requests || ct.Min() <= 0 {
				t.Fatalf("firstByte %d from %v, connectTime %d from %v, for %d requests; want one each", count(fb), quantile(fb, 0), count(ct), quantile(ct, 0), res.Requests)
			}
			if (hs != nil) != (tt.cfg.TLS != nil) || (hs != nil && (hs.Count() != res.Requests || hs.Min() <= 0)) {
				t.Errorf("tlsHandshake %v for %d requests; want one each with TLS only", hs, res.Requests)
			}
			if fb.Min() < tt.delay || fb.Quantile(50) > tt.delay+15*time.Millisecond {
				t.Errorf("firstByte min %v p50 %v; want at least the server's %v, and not much more", fb.Min(), fb.Quantile(50), tt.delay)
			}
			if tt.delay > 0 && ct.Quantile(50) > tt.delay/4 {
				t.Errorf("connectTime p50 %v; want well below the %v delay", ct.Quantile(50), tt.delay)
			}
			// Each latency holds its connect, handshake and first-byte
			// wait one after the other: so do the means (to 1%).
			setUp := ct.Mean()
			if hs != nil {
				setUp += hs.Mean()
			}
			if lat := res.Uncorrected.Mean(); lat+lat/100 < setUp+fb.Mean() {
				t.Errorf("latency mean %v below set-up %v + firstByte %v", lat, setUp, fb.Mean())
			}
			t.Logf("%d calls: firstByte p50 %v, connect p50 %v, tls p50 %v, latency p50 %v",
				res.Requests, fb.Quantile(50), ct.Quantile(50), quantile(hs, 50), res.Uncorrected.Quantile(50))
		})
	}
}

// TestKeepAliveNotTimed checks that a kept-alive connection times
// nothing: its responses carry no set-up or first-byte time.
func TestKeepAliveNotTimed(t *testing.T) {
	srv := startGRPC(t, target.GRPCOptions{})
	c, err := grpc.New(grpc.Config{Addr: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	cn := c.Conn(context.Background())
	defer cn.Close()
	if resp, err := cn.Do(time.Now().Add(5 * time.Second)); err != nil || resp.Bytes == 0 ||
		resp.Connect != 0 || resp.TLSHandshake != 0 || resp.FirstByte != 0 {
		t.Errorf("kept-alive call: %+v, %v; want a response and nothing timed", resp, err)
	}
}

// quantile is h's p-th percentile, 0 when h is nil.
func quantile(h *hist.Histogram, p float64) time.Duration {
	if h == nil {
		return 0
	}
	return h.Quantile(p)
}

// count is how many values h holds, 0 when h is nil.
func count(h *hist.Histogram) int64 {
	if h == nil {
		return 0
	}
	return h.Count()
}
