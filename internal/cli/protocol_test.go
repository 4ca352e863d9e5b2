package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// loadJSON runs smp load with args at 200/s for 250ms (50 measured
// requests), on 2 connections unless args say otherwise, and decodes the
// report.
func loadJSON(t *testing.T, args ...string) (int, *report.Summary, string) {
	t.Helper()
	args = append([]string{"load", "--rate", "200", "-c", "2", "-d", "350ms", "--warmup", "100ms", "-o", "json"}, args...)
	code, out, errOut := smp(t, args...)
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Scenarios) != 1 {
		t.Fatalf("exit %d, no report (%v): %s", code, err, errOut)
	}
	return code, &r.Scenarios[0].Summary, errOut
}

func TestLoadMTLS(t *testing.T) {
	m := certstest.New(t)
	fx := m.Fixture
	srv := targettest.Start(t, target.Options{Size: 10, TLS: m.Server})
	mtls := []string{"--cacert", fx.CA, "--cert", fx.ClientCert, "--key", fx.ClientKey}

	// A connection per request, over mTLS: the handshakes are timed. At
	// 50/s for a second on 4 connections (still 50 requests), and a few
	// sends may be dropped at the end: under -race on a busy machine the
	// in-process client and server managed fewer than 200 handshakes a
	// second between them.
	code, s, errOut := loadJSON(t, append([]string{srv.URL(), "--new-connection", "--rate", "50", "-d", "1100ms", "-c", "4"}, mtls...)...)
	if code != 0 || s.Requests+s.Dropped != 50 || s.Requests < 25 || s.Errors != 0 {
		t.Fatalf("exit %d, requests %d (dropped %d, late %d), errors %v; want 50 sends, at least 25 made, no error: %s",
			code, s.Requests, s.Dropped, s.Late, s.ErrorKinds, errOut)
	}
	if s.ConnectTime == nil || s.TLSHandshake == nil || s.ConnectTime.Count != s.Requests || s.TLSHandshake.Count != s.Requests ||
		s.ConnectTime.Min <= 0 || s.TLSHandshake.Min <= 0 {
		t.Errorf("connectTime %+v\ntlsHandshake %+v\nwant %d each, > 0", s.ConnectTime, s.TLSHandshake, s.Requests)
	}
	// HTTP/2 over the same mTLS, 4 streams per connection.
	code, s, errOut = loadJSON(t, append([]string{srv.URL(), "--protocol", "http2", "--streams", "4"}, mtls...)...)
	if code != 0 || s.Requests != 50 || s.Errors != 0 || s.ConnectTime != nil {
		t.Fatalf("http2: exit %d, requests %d, errors %v, connectTime %v: %s", code, s.Requests, s.ErrorKinds, s.ConnectTime, errOut)
	}
	// Without a client certificate every request is refused, as tls.
	code, s, _ = loadJSON(t, srv.URL(), "--cacert", fx.CA)
	if code != ExitFailed || s.ErrorKinds["tls"] == 0 || s.ErrorKinds["tls"]+s.ErrorKinds["reset"] != s.Requests {
		t.Errorf("no client cert: exit %d, error kinds %v of %d; want exit 1, tls errors", code, s.ErrorKinds, s.Requests)
	}
}

func TestLoadH2C(t *testing.T) {
	srv := targettest.Start(t, target.Options{Size: 10})
	code, s, errOut := loadJSON(t, srv.URL(), "--protocol", "h2c", "--streams", "2")
	if code != 0 || s.Requests != 50 || s.StatusCodes["200"] != 50 || s.BytesReceived != 500 {
		t.Fatalf("exit %d, requests %d, statuses %v, bytes %d: %s", code, s.Requests, s.StatusCodes, s.BytesReceived, errOut)
	}
}

func TestLoadTCP(t *testing.T) {
	e, err := target.StartEcho(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	code, s, errOut := loadJSON(t, "tcp://"+e.Addr(), "--protocol", "tcp", "--payload-size", "100", "--new-connection")
	if code != 0 || s.Requests != 50 || s.StatusCodes["0"] != 50 || s.BytesReceived != 50*100 {
		t.Fatalf("exit %d, requests %d, statuses %v, bytes %d: %s", code, s.Requests, s.StatusCodes, s.BytesReceived, errOut)
	}
	if s.ConnectTime == nil || s.ConnectTime.Count != 50 || s.TLSHandshake != nil {
		t.Errorf("connectTime %+v, tlsHandshake %+v; want 50 connects, no handshakes", s.ConnectTime, s.TLSHandshake)
	}
}

func TestLoadGRPC(t *testing.T) {
	g, err := target.StartGRPC(t.Context(), target.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, args := range [][]string{
		{"grpc://" + g.Addr(), "--protocol", "grpc"},                                                   // health checks
		{"grpc://" + g.Addr(), "--protocol", "grpc", "--grpc-method", "ping", "--payload-size", "100"}, // pings
	} {
		code, s, errOut := loadJSON(t, args...)
		if code != 0 || s.Requests != 50 || s.StatusCodes["0"] != 50 || s.BytesReceived == 0 {
			t.Fatalf("%v: exit %d, requests %d, statuses %v, bytes %d: %s", args, code, s.Requests, s.StatusCodes, s.BytesReceived, errOut)
		}
	}
	if g.Pings() < 50 {
		t.Errorf("target answered %d pings, want at least 50", g.Pings())
	}
	// A channel and connection per call: set-up and first byte timed.
	code, s, errOut := loadJSON(t, "grpc://"+g.Addr(), "--protocol", "grpc", "--new-connection")
	if code != 0 || s.Requests != 50 || s.Errors != 0 {
		t.Fatalf("--new-connection: exit %d, requests %d, errors %v: %s", code, s.Requests, s.ErrorKinds, errOut)
	}
	if s.ConnectTime == nil || s.ConnectTime.Count != 50 || s.TLSHandshake != nil || s.FirstByte == nil || s.FirstByte.Count != 50 {
		t.Errorf("connectTime %+v, tlsHandshake %+v, firstByte %+v; want 50 connects and first bytes, no handshakes", s.ConnectTime, s.TLSHandshake, s.FirstByte)
	}
}

func TestTargetSelfSigned(t *testing.T) {
	// smp target --tls writes its self-signed certificate where smp load
	// --cacert can read it.
	o := &targetOptions{tls: true}
	var opts target.Options
	note, path, err := o.serverTLS(&opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(note, "self-signed certificate in "+path) || opts.TLS == nil {
		t.Fatalf("note %q, file %q, tls %v", note, path, opts.TLS)
	}
	t.Cleanup(func() { os.Remove(path) })
	srv := targettest.Start(t, opts)
	if code, s, errOut := loadJSON(t, srv.URL(), "--cacert", path); code != 0 || s.Errors != 0 {
		t.Fatalf("exit %d, errors %v: %s", code, s.ErrorKinds, errOut)
	}
	if code, s, _ := loadJSON(t, srv.URL()); code != ExitFailed || s.ErrorKinds["tls"] != s.Requests {
		t.Errorf("unverified: exit %d, errors %v; want every request a tls error", code, s.ErrorKinds)
	}
}

func TestProtocolBadInput(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string // in stderr
	}{
		// An unknown protocol.
		{[]string{"load", "http://127.0.0.1:1/", "--protocol", "quic"}, `--protocol: got "quic", expected one of http1, h2c, http2`},
		// Streams need HTTP/2.
		{[]string{"load", "http://127.0.0.1:1/", "--streams", "4"}, "--streams: got 4, expected 1 with protocol http1"},
		// http2 is over TLS.
		{[]string{"load", "http://127.0.0.1:1/", "--protocol", "http2"}, "expected an https URL with http2"},
		// A missing file, named by its flag.
		{[]string{"load", "https://127.0.0.1:1/", "--cacert", "/nonexistent/ca.pem"}, `--cacert "/nonexistent/ca.pem": expected a readable PEM file`},
		// A certificate without its key.
		{[]string{"load", "https://127.0.0.1:1/", "--cert", fx.ClientCert}, "--key: got nothing"},
		// TLS settings with a cleartext URL.
		{[]string{"load", "http://127.0.0.1:1/", "--insecure"}, "expected an https (or grpcs) URL with it"},
		// A size with a decimal unit.
		{[]string{"load", "tcp://127.0.0.1:1", "--protocol", "tcp", "--payload-size", "1KB"}, `--payload-size "1KB"`},
		// A payload size with an HTTP protocol.
		{[]string{"load", "http://127.0.0.1:1/", "--payload-size", "10"}, "--payload-size: got a mapping, expected nothing with protocol http1"},
		// A tcp:// URL without --protocol tcp.
		{[]string{"load", "tcp://127.0.0.1:1"}, "URL: got \"tcp://127.0.0.1:1\", expected an http:// or https:// URL with protocol http1"},
		// An unknown gRPC method.
		{[]string{"load", "grpc://127.0.0.1:1", "--protocol", "grpc", "--grpc-method", "Check"}, `--grpc-method: got "Check", expected health or ping`},
		// A payload with health checks.
		{[]string{"load", "grpc://127.0.0.1:1", "--protocol", "grpc", "--payload-size", "10"}, "--payload-size: got 10B, expected 0 unless --grpc-method is ping"},
		// Target: a certificate file that does not exist.
		{[]string{"target", "--tls", "--cert", "/nonexistent.pem", "--key", "/nonexistent.pem"}, `--cert "/nonexistent.pem"`},
		// Target: TLS files without --tls.
		{[]string{"target", "--cert", fx.ServerCert}, "expected --tls with it"},
		// Target: a key without its certificate.
		{[]string{"target", "--tls", "--key", fx.ServerKey}, "expected both or neither"},
		// Target: a client CA that is not PEM.
		{[]string{"target", "--tls", "--client-ca", fx.ServerKey}, "client-ca"},
	}
	for _, tc := range tests {
		code, _, errOut := smp(t, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("smp %s: exit %d, stderr %q; want exit 2 mentioning %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
