package xdsgrpc

import (
	"runtime/debug"
	"strings"
	"testing"
)

// grpc-go from v1.66 makes an xDS client, with a stream of its own, per
// channel target plus one for the server; Istio's pilot-agent serves one
// downstream xDS stream per pod and closes the previous when another
// comes, so an app that serves and calls never gets its config (see
// test/istio/README.md). v1.65 shares one xDS client per process. A
// dependency that raises grpc-go (fortio's newer releases do) must not
// slip in unnoticed.
func TestGRPCSharesOneXDSClient(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build info in this test binary")
	}
	for _, d := range bi.Deps {
		if d.Path != "google.golang.org/grpc" {
			continue
		}
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version
		}
		if !strings.HasPrefix(v, "v1.65.") {
			t.Fatalf("google.golang.org/grpc %s: expected v1.65.x (one xDS client per process, as Istio's proxyless agent needs)", v)
		}
		return
	}
	t.Fatal("google.golang.org/grpc is not in the build info")
}
