package xdsgrpc

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// grpc-go from v1.66 makes an xDS client, with a stream of its own, per
// channel target plus one for the server; Istio's pilot-agent serves one
// downstream xDS stream per pod and closes the previous when another
// comes, so an app that serves and calls never gets its config (see
// test/istio/README.md). v1.65 shares one xDS client per process. A
// dependency that raises grpc-go (fortio's newer releases do) must not
// slip in unnoticed: this reads the version go.mod selects.
func TestGRPCSharesOneXDSClient(t *testing.T) {
	f, err := os.Open("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "google.golang.org/grpc" {
			if !strings.HasPrefix(fields[1], "v1.65.") {
				t.Fatalf("go.mod selects google.golang.org/grpc %s: expected v1.65.x (one xDS client per process, as Istio's proxyless agent needs)", fields[1])
			}
			return
		}
	}
	t.Fatal("go.mod does not require google.golang.org/grpc")
}
