package grpc

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/internal/xdsgrpc"
	"github.com/smp-dev/smp/load"
)

func TestXDSConfig(t *testing.T) {
	t.Setenv("GRPC_XDS_BOOTSTRAP_CONFIG", "")
	bootstrap := filepath.Join(t.TempDir(), "bootstrap.json")
	if err := os.WriteFile(bootstrap, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		cfg       Config
		bootstrap string // GRPC_XDS_BOOTSTRAP
		want      string // part of the error; "" for none
	}{
		// A bootstrap file: accepted.
		{"ok", Config{Addr: "svc-1.ns.svc.cluster.local:8080", XDS: true}, bootstrap, ""},
		// Ping works the same.
		{"ping", Config{Addr: "svc-1:8080", Method: MethodPing, PayloadSize: 10, XDS: true}, bootstrap, ""},
		// No bootstrap: said so.
		{"no bootstrap", Config{Addr: "svc-1:8080", XDS: true}, "", "GRPC_XDS_BOOTSTRAP is not set"},
		// A bootstrap file that is not there.
		{"missing bootstrap", Config{Addr: "svc-1:8080", XDS: true}, "/nonexistent.json", "/nonexistent.json"},
		// A connection per call cannot be timed through xDS.
		{"new connection", Config{Addr: "svc-1:8080", XDS: true, NewConnection: true}, bootstrap, "XDS with NewConnection"},
		// The mesh brings its own TLS.
		{"tls", Config{Addr: "svc-1:8080", XDS: true, TLS: &tls.Config{MinVersion: tls.VersionTLS12}}, bootstrap, "XDS with TLS"},
		// The address is still host:port.
		{"bad addr", Config{Addr: "xds:///svc-1:8080", XDS: true}, bootstrap, "expected host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(xdsgrpc.BootstrapEnv, tt.bootstrap)
			c, err := New(tt.cfg)
			if tt.want == "" {
				if err != nil || c.xds == nil || c.Addr() != tt.cfg.Addr {
					t.Fatalf("client %+v, %v; want an xds client of %s", c, err, tt.cfg.Addr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want %q", err, tt.want)
			}
		})
	}
	t.Setenv(xdsgrpc.BootstrapEnv, "")
	if _, err := New(Config{Addr: "svc-1:8080", XDS: true}); !errors.Is(err, xdsgrpc.ErrNoBootstrap) {
		t.Errorf("no bootstrap: %v; want ErrNoBootstrap", err)
	}
}

func TestXDSCause(t *testing.T) {
	tests := []struct {
		msg, kind string
	}{
		// The endpoint refused the connection.
		{`connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.1:8080: connect: connection refused"`, load.KindRefused},
		// The control plane has no listener for the target.
		{`xds: listener resource "svc-1:8080" does not exist`, load.KindOther},
		// The connection went away.
		{`error reading from server: EOF`, load.KindReset},
	}
	for _, tt := range tests {
		if got := load.Classify(xdsCause(errors.New(tt.msg), tt.msg)); got != tt.kind {
			t.Errorf("%q: %s, want %s", tt.msg, got, tt.kind)
		}
	}
}
