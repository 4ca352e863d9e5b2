package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/smp-dev/smp/internal/cli/clitest"
	"github.com/smp-dev/smp/internal/xdsgrpc"
	"github.com/smp-dev/smp/target"
)

// grpcService is an `smp service --protocol grpc` process.
type grpcService struct {
	addr, admin string // gRPC host:port, admin base URL
	mu          sync.Mutex
	stderr      strings.Builder
}

func (s *grpcService) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

var listeningRE = regexp.MustCompile(`service listening on (\S+) \(grpc[^)]*\), admin on (\S+),`)

// startGRPCService starts smp service --protocol grpc with args (and
// env added to the test's), on loopback ports of its choosing, and
// returns once it has said where it listens. The process is killed at
// the end of the test.
func startGRPCService(t *testing.T, env []string, args ...string) *grpcService {
	t.Helper()
	args = append([]string{"service", "--protocol", "grpc", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, args...)
	cmd := exec.Command(clitest.Exe(t), args...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &grpcService{}
	found := make(chan []string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				found <- m
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
	})
	select {
	case m := <-found:
		s.addr, s.admin = m[1], m[2]
	case <-done:
		t.Fatalf("smp %v exited before listening:\n%s", args, s.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("smp %v did not listen within 20 s:\n%s", args, s.log())
	}
	return s
}

// pingService calls Ping on addr; it returns the reply's size and the time taken.
func pingService(t *testing.T, addr string) (int, time.Duration, error) {
	t.Helper()
	cc, err := target.DialGRPC(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := &wrapperspb.BytesValue{}
	t0 := time.Now()
	err = cc.Invoke(ctx, target.PingMethod, &wrapperspb.BytesValue{Value: make([]byte, 10)}, out)
	return len(out.GetValue()), time.Since(t0), err
}

// adminGet GETs path of a service's admin port and decodes its JSON into v (when not nil).
func adminGet(t *testing.T, s *grpcService, path string, v any) int {
	t.Helper()
	resp, err := http.Get(s.admin + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %d %q: %v", path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

func TestServiceGRPCChain(t *testing.T) {
	last := startGRPCService(t, nil, "--size", "100", "--delay", "30ms")
	mid := startGRPCService(t, nil, "--size", "200", "--delay", "30ms", "--downstream", last.addr)
	head := startGRPCService(t, nil, "--size", "2KiB", "--delay", "30ms", "--downstream", mid.addr)
	if code := adminGet(t, head, "/healthz", nil); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	n, took, err := pingService(t, head.addr)
	if err != nil || n != 2048 {
		t.Fatalf("reply %d bytes, %v; want 2048\n%s", n, err, head.log())
	}
	if took < 90*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %v, want about 90ms (3 × 30ms)", took)
	}
	for _, s := range []*grpcService{head, mid, last} {
		var p target.PeerCounts
		if code := adminGet(t, s, "/peers", &p); code != 200 || p.Plaintext != 1 || len(p.MTLS) != 0 {
			t.Errorf("%s peers %d %+v; want 1 plaintext call", s.addr, code, p)
		}
	}
	// The head probes the last service: it answers at the first attempt.
	var r target.ProbeResult
	q := url.Values{"target": {last.addr}, "timeout": {"10s"}}
	if code := adminGet(t, head, "/probe?"+q.Encode(), &r); code != 200 || !r.OK || r.Attempts < 1 || r.ElapsedMs < 30 {
		t.Errorf("probe of a live service: %d %+v; want ok, >= 30ms (its delay)", code, r)
	}
}

func TestServiceGRPCFanout(t *testing.T) {
	var ds []string
	for range 2 {
		ds = append(ds, "--downstream", startGRPCService(t, nil, "--size", "10", "--delay", "400ms").addr)
	}
	head := startGRPCService(t, nil, append([]string{"--size", "300", "--delay", "0s"}, ds...)...)
	n, took, err := pingService(t, head.addr)
	if err != nil || n != 300 {
		t.Fatalf("reply %d bytes, %v; want 300", n, err)
	}
	if took < 400*time.Millisecond || took > 700*time.Millisecond {
		t.Errorf("took %v, want about 400ms (downstreams at once, not 800ms in turn)", took)
	}
}

func TestServiceGRPCDownstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	head := startGRPCService(t, nil, "--downstream", down)
	_, _, err = pingService(t, head.addr)
	if st, _ := status.FromError(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), down) {
		t.Errorf("error %v; want Unavailable naming %s", err, down)
	}
	var r target.ProbeResult
	t0 := time.Now()
	q := url.Values{"target": {down}, "timeout": {"400ms"}}
	if code := adminGet(t, head, "/probe?"+q.Encode(), &r); code != 200 || r.OK || r.Attempts < 1 || r.Error == "" || time.Since(t0) > 3*time.Second {
		t.Errorf("probe of a closed port: %d %+v after %v; want not ok within about 400ms", code, r, time.Since(t0))
	}
}

func TestServiceGRPCBadFlags(t *testing.T) {
	t.Setenv(xdsgrpc.BootstrapEnv, "")
	t.Setenv("GRPC_XDS_BOOTSTRAP_CONFIG", "")
	tests := []struct {
		args []string
		want string
	}{
		// An unknown protocol.
		{[]string{"--protocol", "udp"}, `--protocol "udp": expected http or grpc`},
		// xDS is for gRPC only.
		{[]string{"--xds"}, "--xds with --protocol http: expected --protocol grpc"},
		// xDS without a bootstrap.
		{[]string{"--protocol", "grpc", "--xds"}, "--xds: xds: GRPC_XDS_BOOTSTRAP is not set"},
		// An xds:/// downstream without a bootstrap.
		{[]string{"--protocol", "grpc", "--downstream", "xds:///svc-1:8080"}, "GRPC_XDS_BOOTSTRAP is not set"},
		// A URL is not a gRPC target.
		{[]string{"--protocol", "grpc", "--downstream", "http://svc-1:8080/"}, `--downstream: grpc target "http://svc-1:8080/": expected host:port`},
	}
	for _, tt := range tests {
		code, _, errOut := smp(t, append([]string{"service", "--addr", "127.0.0.1:0"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want usage error with %q", tt.args, code, errOut, tt.want)
		}
	}
}

// An xDS server whose control plane does not answer never serves: its
// readiness stays 503 (a cheap stand-in for istiod: a bootstrap pointing
// to a closed port).
func TestServiceGRPCXDSNotServingWithoutControlPlane(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cp := ln.Addr().String()
	ln.Close()
	bootstrap := filepath.Join(t.TempDir(), "bootstrap.json")
	if err := os.WriteFile(bootstrap, []byte(`{
  "xds_servers": [{"server_uri": "`+cp+`", "channel_creds": [{"type": "insecure"}], "server_features": ["xds_v3"]}],
  "node": {"id": "sidecar~127.0.0.1~svc-0.ns~ns.svc.cluster.local"},
  "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%s"
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGRPCService(t, []string{xdsgrpc.BootstrapEnv + "=" + bootstrap}, "--xds")
	if !strings.Contains(s.log(), "(grpc, xds)") {
		t.Errorf("log %q; want the xds mode named", s.log())
	}
	time.Sleep(300 * time.Millisecond) // time for the control plane to be tried
	if code := adminGet(t, s, "/healthz", nil); code != http.StatusServiceUnavailable {
		t.Errorf("healthz %d; want 503 before the control plane sends a listener\n%s", code, s.log())
	}
}
