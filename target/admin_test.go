package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/smp-dev/smp/internal/certs"
)

func startAdmin(t *testing.T, s *GRPCServer) *Admin {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := StartAdmin(ctx, AdminOptions{Server: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = a.Wait() })
	return a
}

// getAdmin GETs path of a and returns the status and body.
func getAdmin(t *testing.T, a *Admin, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(a.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestAdminHealthAndPeers(t *testing.T) {
	s := service(t, 10, 0)
	a := startAdmin(t, s)
	if code, _ := getAdmin(t, a, "/healthz"); code != 200 {
		t.Errorf("healthz: %d, want 200", code)
	}
	for range 3 {
		if _, _, err := ping(t, s.Addr(), 0); err != nil {
			t.Fatal(err)
		}
	}
	code, body := getAdmin(t, a, "/peers")
	var p PeerCounts
	if err := json.Unmarshal([]byte(body), &p); code != 200 || err != nil {
		t.Fatalf("peers: %d %q: %v", code, body, err)
	}
	if p.Plaintext != 3 || p.TLS != 0 || len(p.MTLS) != 0 || !strings.Contains(body, `"mtls":{}`) {
		t.Errorf("peers %s; want 3 plaintext calls", body)
	}
	_ = s.Close()
	if code, _ := getAdmin(t, a, "/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("healthz of a stopped server: %d, want 503", code)
	}
}

func TestPeersMTLS(t *testing.T) {
	ca, err := certs.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	srvPair, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	clientPair, err := ca.Workload("svc-a", "cluster.local")
	if err != nil {
		t.Fatal(err)
	}
	srvCert, _ := srvPair.TLS()
	clientCert, _ := clientPair.TLS()
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	s := startG(t, GRPCOptions{TLS: &tls.Config{
		Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12,
	}})
	cc, err := grpc.NewClient("passthrough:///"+s.Addr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{clientCert}, RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12,
	})))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	for range 2 {
		if err := cc.Invoke(t.Context(), PingMethod, &wrapperspb.BytesValue{}, &wrapperspb.BytesValue{}); err != nil {
			t.Fatal(err)
		}
	}
	p := s.Peers()
	const id = "spiffe://cluster.local/workload/svc-a"
	if p.Plaintext != 0 || len(p.MTLS) != 1 || p.MTLS[id] != 2 {
		t.Errorf("peers %+v; want 2 mTLS calls from %s", p, id)
	}
}

// probe GETs /probe with query q and decodes the result.
func probe(t *testing.T, a *Admin, q url.Values) (ProbeResult, time.Duration) {
	t.Helper()
	t0 := time.Now()
	code, body := getAdmin(t, a, "/probe?"+q.Encode())
	took := time.Since(t0)
	var r ProbeResult
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil {
		t.Fatalf("probe %s: %d %q: %v", q.Encode(), code, body, err)
	}
	return r, took
}

func TestAdminProbe(t *testing.T) {
	s := service(t, 10, 0)
	live := service(t, 10, 5*time.Millisecond)
	a := startAdmin(t, s)
	r, _ := probe(t, a, url.Values{"target": {live.Addr()}, "timeout": {"10s"}})
	if !r.OK || r.Attempts < 1 || r.ElapsedMs < 5 || r.ElapsedMs > 5000 || r.Error != "" {
		t.Errorf("live target: %+v; want ok after >= 1 attempt, >= 5ms", r)
	}
	if live.Pings() != 1 {
		t.Errorf("live target got %d pings, want 1", live.Pings())
	}
	down := closedAddr(t)
	r, took := probe(t, a, url.Values{"target": {down}, "timeout": {"300ms"}})
	if r.OK || r.Attempts < 2 || r.Error == "" || r.ElapsedMs < 250 || took > 2*time.Second {
		t.Errorf("closed port: %+v after %v; want not ok, several attempts, about 300ms", r, took)
	}
}

func TestAdminProbeBadParameters(t *testing.T) {
	a := startAdmin(t, service(t, 10, 0))
	tests := []struct {
		query, want string
	}{
		{"", "target: expected"},                              // no target
		{"target=http://x:1/", "target: grpc target"},         // not a gRPC target
		{"target=127.0.0.1:1&timeout=soon", `timeout "soon"`}, // not a duration
		{"target=127.0.0.1:1&timeout=-1s", `timeout "-1s"`},   // negative
		{"target=127.0.0.1:1&timeout=1h", `timeout "1h"`},     // above the bound
	}
	for _, tt := range tests {
		code, body := getAdmin(t, a, "/probe?"+tt.query)
		if code != http.StatusBadRequest || !strings.Contains(body, tt.want) {
			t.Errorf("%q: %d %q; want 400 with %q", tt.query, code, body, tt.want)
		}
	}
}
