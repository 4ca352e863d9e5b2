package run

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/internal/certs/certstest"
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
	m := certstest.New(t)
	fx, cfg := m.Fixture, m.Server
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := target.Start(ctx, target.Options{Size: 64, TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	mtls := &spec.TLS{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}
	// New connections are timed against a target that holds each request
	// this long (the TLS target started here and the echo hold none).
	const serviceTime = 5 * time.Millisecond
	newConn := func(tt *spec.Test) {
		tt.Load.NewConnection = true
		tt.Workload.ServiceTime = spec.Duration(serviceTime)
	}
	tests := []struct {
		name    string
		edit    func(*spec.Test)
		connect bool          // connectTime and firstByte expected
		tls     bool          // tlsHandshake expected
		least   time.Duration // the least firstByte
	}{
		// h2c with streams against the built-in target.
		{"h2c", func(tt *spec.Test) { tt.Load.Protocol, tt.Load.Streams, tt.Load.Connections = spec.ProtocolH2C, 4, 2 }, false, false, 0},
		// http2 over mTLS.
		{"http2", func(tt *spec.Test) {
			tt.Workload = spec.Workload{URL: srv.URL()}
			tt.Load.Protocol, tt.Load.TLS = spec.ProtocolHTTP2, mtls
		}, false, false, 0},
		// TCP echo against the built-in target's echo server, 1KiB each.
		{"tcp", func(tt *spec.Test) {
			tt.Load.Protocol, tt.Load.TCP = spec.ProtocolTCP, &spec.TCP{PayloadSize: spec.KiB}
		}, false, false, 0},
		// gRPC pings against the built-in target's gRPC server.
		{"grpc", func(tt *spec.Test) {
			tt.Load.Protocol, tt.Load.GRPC = spec.ProtocolGRPC, &spec.GRPC{Method: spec.GRPCPing, PayloadSize: 100}
		}, false, false, 0},
		// http1 over mTLS, a connection per request.
		{"http1 new connection", func(tt *spec.Test) {
			tt.Workload = spec.Workload{URL: srv.URL()}
			tt.Load.TLS, tt.Load.NewConnection = mtls, true
		}, true, true, 0},
		// http2 over mTLS, a connection per request.
		{"http2 new connection", func(tt *spec.Test) {
			tt.Workload = spec.Workload{URL: srv.URL()}
			tt.Load.Protocol, tt.Load.TLS, tt.Load.NewConnection = spec.ProtocolHTTP2, mtls, true
		}, true, true, 0},
		// h2c, a connection per request, against the built-in target.
		{"h2c new connection", func(tt *spec.Test) { newConn(tt); tt.Load.Protocol = spec.ProtocolH2C }, true, false, serviceTime},
		// TCP echo, a connection per request.
		{"tcp new connection", func(tt *spec.Test) { newConn(tt); tt.Load.Protocol = spec.ProtocolTCP }, true, false, 0},
		// gRPC pings, a channel and connection per call.
		{"grpc new connection", func(tt *spec.Test) {
			newConn(tt)
			tt.Load.Protocol, tt.Load.GRPC = spec.ProtocolGRPC, &spec.GRPC{Method: spec.GRPCPing}
		}, true, false, serviceTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A connection per request costs a connection (and an mTLS
			// handshake) each: those cases get a longer window, so that a
			// saturated machine still completes some.
			dur := 400 * time.Millisecond
			if tc.connect {
				dur = time.Second
			}
			tt := test(t, func(tt *spec.Test) {
				tc.edit(tt)
				tt.Load.Duration = spec.Duration(dur)
			})
			due := int64(tt.Load.Rate * (dur - time.Duration(tt.Load.Warmup)).Seconds())
			rep, err := Run(context.Background(), tt, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Scenarios[0].Summary
			status := "200"
			if tt.Load.Protocol == spec.ProtocolTCP || tt.Load.Protocol == spec.ProtocolGRPC {
				status = "0" // an echo has no status; gRPC's OK is 0
			}
			// Every send due in the window is accounted for. On a saturated
			// machine those that set up a connection and an mTLS handshake
			// each (several ms of CPU on both sides under the race
			// detector) may not make it before the run ends, and are
			// counted as dropped; the fields below need some that did.
			if s.Requests+s.Dropped != due || s.Requests < 1 || s.Errors != 0 || s.StatusCodes[status] != s.Requests {
				t.Fatalf("requests %d, dropped %d, errors %v, statuses %v; want %d × %s (some may be dropped)",
					s.Requests, s.Dropped, s.ErrorKinds, s.StatusCodes, due, status)
			}
			if (s.ConnectTime != nil) != tc.connect || (s.TLSHandshake != nil) != tc.tls {
				t.Fatalf("connectTime %v, tlsHandshake %v; want present: %v, %v", s.ConnectTime, s.TLSHandshake, tc.connect, tc.tls)
			}
			if tc.connect && (s.ConnectTime.Count != s.Requests || s.ConnectTime.Min <= 0) {
				t.Errorf("connectTime %+v; want %d, > 0", s.ConnectTime, s.Requests)
			}
			if tc.tls && (s.TLSHandshake.Count != s.Requests || s.TLSHandshake.Min <= 0) {
				t.Errorf("tlsHandshake %+v; want %d, > 0", s.TLSHandshake, s.Requests)
			}
			// Time to first byte comes with a connection per request, and
			// leaves out the set-up that the latency includes.
			if got := s.FirstByte != nil; got != tc.connect {
				t.Fatalf("firstByte %v; want present: %v", s.FirstByte, tc.connect)
			}
			if !tc.connect {
				return
			}
			least := float64(tc.least) / float64(time.Millisecond)
			if s.FirstByte.Count != s.Requests || s.FirstByte.Min <= least ||
				s.FirstByte.Percentiles["p50"] >= s.UncorrectedLatency.Percentiles["p50"] {
				t.Errorf("firstByte %+v; want %d, above %vms, below the latency p50 %v", s.FirstByte, s.Requests, least, s.UncorrectedLatency.Percentiles["p50"])
			}
			if tc.least > 0 && s.ConnectTime.Percentiles["p50"] >= least/2 {
				t.Errorf("connectTime p50 %vms; want well below the %v service time", s.ConnectTime.Percentiles["p50"], tc.least)
			}
		})
	}
}

// TestRunH2CMix runs a 3:1 request mix over h2c against the built-in
// target, whose size override tells the two requests apart by the bytes
// received.
func TestRunH2CMix(t *testing.T) {
	tt := test(t, func(tt *spec.Test) {
		tt.Load.Protocol, tt.Load.Streams, tt.Load.Rate = spec.ProtocolH2C, 2, 0 // closed loop: many requests
		tt.Load.Duration = spec.Duration(500 * time.Millisecond)
		tt.Load.Requests = []spec.MixRequest{
			{Weight: 3, Request: spec.Request{Method: "GET", Path: "/small?size=100"}},
			{Weight: 1, Request: spec.Request{Method: "POST", Path: "/large?size=1000"},
				BodySizeDist: &spec.SizeDist{Type: spec.SizeUniform, Min: 10, Max: spec.KiB}},
		}
		tt.Load.Request = spec.Request{}
	})
	rep, err := Run(context.Background(), tt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Scenarios[0].Summary
	n := s.Requests
	if n < 200 || s.Errors != 0 || s.StatusCodes["200"] != n {
		t.Fatalf("requests %d, errors %v, statuses %v; want at least 200, all 200", n, s.ErrorKinds, s.StatusCodes)
	}
	large := (s.BytesReceived - 100*n) / 900
	if (s.BytesReceived-100*n)%900 != 0 || large <= 0 || large >= n {
		t.Fatalf("%d bytes for %d requests: not a mix of 100- and 1000-byte responses", s.BytesReceived, n)
	}
	if sd := math.Sqrt(float64(n) * 0.25 * 0.75); math.Abs(float64(large)-float64(n)/4) > 4*sd {
		t.Errorf("%d of %d requests large, want %.0f ± %.0f", large, n, float64(n)/4, 4*sd)
	}
	if rep.Test.Load.Arrival.Seed == 0 {
		t.Error("the mix's seed is not recorded in the report")
	}
}
