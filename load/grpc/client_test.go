package grpc_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/grpc"
	"github.com/smp-dev/smp/target"
)

func startGRPC(t *testing.T, o target.GRPCOptions) *target.GRPCServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := target.StartGRPC(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Wait() })
	return s
}

func run(t *testing.T, cfg grpc.Config) *load.Result {
	t.Helper()
	c, err := grpc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := load.Run(context.Background(), load.Plan{
		Dialer: c, Connections: 2, Duration: 250 * time.Millisecond,
		Warmup: 50 * time.Millisecond, Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestGRPC(t *testing.T) {
	m := certstest.New(t)
	plain := startGRPC(t, target.GRPCOptions{})
	mtls := startGRPC(t, target.GRPCOptions{TLS: m.Server})
	withCert, noCert := m.WithCert, m.NoCert
	tests := []struct {
		name  string
		cfg   grpc.Config
		bytes int64 // per response; -1: any
		kind  string
	}{
		// The standard health check, cleartext.
		{"health", grpc.Config{Addr: plain.Addr()}, -1, ""},
		// Ping with a 1000-byte payload echoed back.
		{"ping", grpc.Config{Addr: plain.Addr(), Method: grpc.MethodPing, PayloadSize: 1000}, 1003, ""},
		// Health over mTLS.
		{"mtls", grpc.Config{Addr: mtls.Addr(), TLS: withCert}, -1, ""},
		// No client certificate: refused, a tls error.
		{"mtls no cert", grpc.Config{Addr: mtls.Addr(), TLS: noCert}, 0, load.KindTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.cfg)
			if res.Requests == 0 {
				t.Fatal("no requests")
			}
			if tt.kind != "" {
				if res.ErrorKinds[tt.kind] == 0 || res.ErrorKinds[tt.kind]+res.ErrorKinds[load.KindReset] != res.Requests {
					t.Fatalf("requests %d, error kinds %v; want every one %s (some may be reset)", res.Requests, res.ErrorKinds, tt.kind)
				}
				return
			}
			if res.Errors != 0 || res.StatusCodes[0] != res.Requests {
				t.Fatalf("requests %d, errors %v, statuses %v", res.Requests, res.ErrorKinds, res.StatusCodes)
			}
			if tt.bytes >= 0 && res.BytesReceived != tt.bytes*res.Requests {
				t.Errorf("%d bytes for %d requests, want %d each", res.BytesReceived, res.Requests, tt.bytes)
			}
		})
	}
	if plain.Pings() == 0 {
		t.Error("the target counted no pings")
	}
}

func TestGRPCErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if res := run(t, grpc.Config{Addr: addr}); res.Requests == 0 || res.ErrorKinds[load.KindRefused] != res.Requests {
		t.Errorf("nothing listening: %d requests, error kinds %v; want every one %s", res.Requests, res.ErrorKinds, load.KindRefused)
	}
	slow := startGRPC(t, target.GRPCOptions{Delay: time.Second})
	c, err := grpc.New(grpc.Config{Addr: slow.Addr(), Method: grpc.MethodPing})
	if err != nil {
		t.Fatal(err)
	}
	cn := c.Conn(context.Background())
	defer cn.Close()
	if _, err := cn.Do(time.Now().Add(50 * time.Millisecond)); load.Classify(err) != load.KindTimeout {
		t.Errorf("slow ping: %v classified %q, want %s", err, load.Classify(err), load.KindTimeout)
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []grpc.Config{
		{Addr: "h"},                    // no port
		{Addr: "h:1", Method: "Check"}, // unknown method
		{Addr: "h:1", PayloadSize: 10}, // a payload with health
		{Addr: "h:1", Method: grpc.MethodPing, PayloadSize: grpc.MaxPayload + 1}, // too large
	} {
		if _, err := grpc.New(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestPingMethod checks that the client calls the method the built-in
// target serves (the client does not import the target for its name).
func TestPingMethod(t *testing.T) {
	if grpc.PingMethod != target.PingMethod {
		t.Errorf("client calls %q, the target serves %q", grpc.PingMethod, target.PingMethod)
	}
}
