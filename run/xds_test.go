package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/load/grpc"
	"github.com/smp-dev/smp/spec"
)

// An xds:///name:port URL makes an xDS gRPC client of name:port, which
// needs an xDS bootstrap (Istio's agent writes it in the pod).
func TestPlanXDS(t *testing.T) {
	const url = "xds:///svc-0.ns.svc.cluster.local:80"
	tt := spec.Default()
	tt.Metadata.Name = "unit"
	tt.Workload = spec.Workload{URL: url}
	tt.Load.Protocol, tt.Load.GRPC = spec.ProtocolGRPC, &spec.GRPC{Method: spec.GRPCPing, PayloadSize: 10}

	t.Setenv("GRPC_XDS_BOOTSTRAP_CONFIG", "")
	t.Setenv("GRPC_XDS_BOOTSTRAP", "")
	if _, err := Plan(tt, url); err == nil || !strings.Contains(err.Error(), "GRPC_XDS_BOOTSTRAP") {
		t.Errorf("no bootstrap: err %v; want one naming GRPC_XDS_BOOTSTRAP", err)
	}

	bootstrap := filepath.Join(t.TempDir(), "grpc-bootstrap.json")
	if err := os.WriteFile(bootstrap, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GRPC_XDS_BOOTSTRAP", bootstrap)
	p, err := Plan(tt, url)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := p.Dialer.(*grpc.Client)
	if !ok {
		t.Fatalf("dialer %T; want a gRPC client", p.Dialer)
	}
	if c.Addr() != "svc-0.ns.svc.cluster.local:80" {
		t.Errorf("address %q; want the xDS name svc-0.ns.svc.cluster.local:80", c.Addr())
	}
	if p.Connections != tt.Load.Connections {
		t.Errorf("connections %d; want %d", p.Connections, tt.Load.Connections)
	}

	// xDS brings the mesh's own TLS and dials for itself: a new connection
	// per call cannot be had.
	tt.Load.NewConnection = true
	if _, err := Plan(tt, url); err == nil || !strings.Contains(err.Error(), "NewConnection") {
		t.Errorf("xds with a new connection per call: %v", err)
	}
}
