package xdsgrpc

import (
	"bufio"
	"errors"
	"fmt"
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
	if err := checkGRPC("../../go.mod"); err != nil {
		t.Fatal(err)
	}
	// The check itself: a go.mod with a later grpc-go fails it.
	bad := t.TempDir() + "/go.mod"
	if err := os.WriteFile(bad, []byte("module x\n\nrequire (\n\tgoogle.golang.org/grpc v1.66.2\n)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := checkGRPC(bad); err == nil || !strings.Contains(err.Error(), "v1.66.2") {
		t.Errorf("a go.mod with grpc v1.66.2: %v", err)
	}
}

func checkGRPC(path string) error {
	f, err := os.Open(path) //nolint:gosec // the module's own go.mod, or a test file
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "google.golang.org/grpc" {
			if !strings.HasPrefix(fields[1], "v1.65.") {
				return fmt.Errorf("go.mod selects google.golang.org/grpc %s: expected v1.65.x (one xDS client per process, as Istio's proxyless agent needs)", fields[1])
			}
			return nil
		}
	}
	return errors.New("go.mod does not require google.golang.org/grpc")
}
