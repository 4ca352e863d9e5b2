package run

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/load/grpc"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/load/tcp"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

func TestPlanProtocol(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		url     string
		edit    func(*spec.Load)
		workers int    // plan connections (workers); 0: Plan fails
		err     string // in the error when Plan fails
	}{
		// http1: one worker per connection.
		{"http1", "http://h:1/", func(l *spec.Load) {}, 8, ""},
		// h2c with 4 streams: a worker per stream.
		{"h2c streams", "http://h:1/", func(l *spec.Load) { l.Protocol, l.Streams = spec.ProtocolH2C, 4 }, 32, ""},
		// http2 over TLS with the fixture's files.
		{"http2 tls", "https://h:1/", func(l *spec.Load) {
			l.Protocol = spec.ProtocolHTTP2
			l.TLS = &spec.TLS{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}
		}, 8, ""},
		// TCP echo to host:port.
		{"tcp", "tcp://h:1", func(l *spec.Load) { l.Protocol, l.TCP = spec.ProtocolTCP, &spec.TCP{PayloadSize: 100} }, 8, ""},
		// gRPC over TLS to host:port.
		{"grpc", "grpcs://h:1", func(l *spec.Load) {
			l.Protocol, l.GRPC, l.TLS = spec.ProtocolGRPC, &spec.GRPC{Method: spec.GRPCPing, PayloadSize: 10}, &spec.TLS{Insecure: true}
		}, 8, ""},
		// A missing file is a run-time error naming the field.
		{"missing ca", "https://h:1/", func(l *spec.Load) { l.TLS = &spec.TLS{CACert: "/nonexistent/ca.pem"} }, 0, `load.tls.caCert "/nonexistent/ca.pem"`},
		// A key that is not the certificate's.
		{"wrong key", "https://h:1/", func(l *spec.Load) { l.TLS = &spec.TLS{Cert: fx.ClientCert, Key: fx.ServerKey} }, 0, "load.tls: "},
	}
	for _, tc := range tests {
		tt := spec.Default()
		tt.Metadata.Name = "unit"
		tt.Workload = spec.Workload{URL: tc.url}
		tc.edit(&tt.Load)
		if err := tt.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p, err := Plan(tt, tc.url)
		if tc.workers == 0 {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want one with %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.Connections != tc.workers {
			t.Errorf("%s: %d workers, want %d", tc.name, p.Connections, tc.workers)
		}
		var got string
		switch c := p.Dialer.(type) {
		case *http1.Client:
			got = spec.ProtocolHTTP1
		case *http2.Client:
			if tt.Load.Protocol == spec.ProtocolH2C || tt.Load.Protocol == spec.ProtocolHTTP2 {
				got = tt.Load.Protocol // one client for both
			}
		case *grpc.Client:
			got = spec.ProtocolGRPC
		case *tcp.Client:
			got = spec.ProtocolTCP
			if c.Addr() != "h:1" {
				t.Errorf("%s: tcp address %q, want h:1", tc.name, c.Addr())
			}
		}
		if got != tt.Load.Protocol {
			t.Errorf("%s: client %T for protocol %s", tc.name, p.Dialer, tt.Load.Protocol)
		}
	}
}

// TestRunProtocols runs each HTTP protocol against the built-in target
// (h2c) or a TLS one started here (http2, and http1 over TLS with a
// connection per request).
func TestRunProtocols(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := target.TLSConfig(target.TLSFiles{Cert: fx.ServerCert, Key: fx.ServerKey, ClientCA: fx.CA})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := target.Start(ctx, target.Options{Size: 64, TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	mtls := &spec.TLS{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}
	tests := []struct {
		name      string
		edit      func(*spec.Test)
		handshake bool // connectTime and tlsHandshake expected
	}{
		// h2c with streams against the built-in target.
		{"h2c", func(tt *spec.Test) { tt.Load.Protocol, tt.Load.Streams, tt.Load.Connections = spec.ProtocolH2C, 4, 2 }, false},
		// http2 over mTLS.
		{"http2", func(tt *spec.Test) {
			tt.Workload = spec.Workload{URL: srv.URL()}
			tt.Load.Protocol, tt.Load.TLS = spec.ProtocolHTTP2, mtls
		}, false},
		// TCP echo against the built-in target's echo server, 1KiB each.
		{"tcp", func(tt *spec.Test) {
			tt.Load.Protocol, tt.Load.TCP = spec.ProtocolTCP, &spec.TCP{PayloadSize: spec.KiB}
		}, false},
		// gRPC pings against the built-in target's gRPC server.
		{"grpc", func(tt *spec.Test) {
			tt.Load.Protocol, tt.Load.GRPC = spec.ProtocolGRPC, &spec.GRPC{Method: spec.GRPCPing, PayloadSize: 100}
		}, false},
		// http1 over mTLS, a connection per request.
		{"http1 new connection", func(tt *spec.Test) {
			tt.Workload = spec.Workload{URL: srv.URL()}
			tt.Load.TLS, tt.Load.NewConnection = mtls, true
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := test(t, func(tt *spec.Test) {
				tc.edit(tt)
				tt.Load.Duration = spec.Duration(400 * time.Millisecond)
			})
			rep, err := Run(context.Background(), tt, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Scenarios[0].Summary
			status := "200"
			if tt.Load.Protocol == spec.ProtocolTCP || tt.Load.Protocol == spec.ProtocolGRPC {
				status = "0" // an echo has no status; gRPC's OK is 0
			}
			if s.Requests != 40 || s.Errors != 0 || s.StatusCodes[status] != 40 {
				t.Fatalf("requests %d, errors %v, statuses %v; want 40 × %s", s.Requests, s.ErrorKinds, s.StatusCodes, status)
			}
			if got := s.ConnectTime != nil && s.TLSHandshake != nil; got != tc.handshake {
				t.Fatalf("connectTime %v, tlsHandshake %v; want present: %v", s.ConnectTime, s.TLSHandshake, tc.handshake)
			}
			if tc.handshake && (s.ConnectTime.Count != 40 || s.TLSHandshake.Count != 40 || s.ConnectTime.Min <= 0 || s.TLSHandshake.Min <= 0) {
				t.Errorf("connectTime %+v\ntlsHandshake %+v\nwant 40 each, > 0", s.ConnectTime, s.TLSHandshake)
			}
			// Time to first byte comes with a connection per request (http1),
			// and leaves out the set-up that the latency includes.
			if got := s.FirstByte != nil; got != tc.handshake {
				t.Fatalf("firstByte %v; want present: %v", s.FirstByte, tc.handshake)
			}
			if tc.handshake && (s.FirstByte.Count != 40 || s.FirstByte.Min <= 0 ||
				s.FirstByte.Percentiles["p50"] >= s.UncorrectedLatency.Percentiles["p50"]) {
				t.Errorf("firstByte %+v; want 40, > 0, below the latency p50 %v", s.FirstByte, s.UncorrectedLatency.Percentiles["p50"])
			}
		})
	}
}
