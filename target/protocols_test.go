package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs"
)

// h2cClient speaks HTTP/2 with prior knowledge over cleartext.
func h2cClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Protocols: &p}}
}

func TestH2C(t *testing.T) {
	tests := []struct {
		name  string
		noH2C bool
	}{
		{"h2c on (the default)", false}, // HTTP/1.1 and h2c on one port
		{"h2c off", true},               // HTTP/1.1 only
	}
	for _, tt := range tests {
		s := start(t, Options{Size: 10, NoH2C: tt.noH2C})
		resp, err := h2cClient().Get(s.URL())
		switch {
		case tt.noH2C && err == nil:
			resp.Body.Close()
			t.Errorf("%s: h2c request answered %s", tt.name, resp.Proto)
		case !tt.noH2C && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case !tt.noH2C:
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 || len(body) != 10 {
				t.Errorf("%s: %s, %d bytes; want HTTP/2, 10", tt.name, resp.Proto, len(body))
			}
		}
		if code, body, _ := get(t, s.URL()); code != 200 || len(body) != 10 {
			t.Errorf("%s: HTTP/1.1: status %d, %d bytes", tt.name, code, len(body))
		}
	}
}

func TestTLS(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(fx.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	pair, err := tls.LoadX509KeyPair(fx.ClientCert, fx.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg, self, err := TLSConfig(TLSFiles{Cert: fx.ServerCert, Key: fx.ServerKey, ClientCA: fx.CA})
	if err != nil || self != nil {
		t.Fatalf("TLSConfig: %v, self-signed %v", err, self != nil)
	}
	s := start(t, Options{Size: 10, TLS: cfg})
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}, ForceAttemptHTTP2: true,
		}}
	}
	resp, err := client(pair).Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Errorf("with a client certificate: %d over %s; want 200 over HTTP/2 (ALPN)", resp.StatusCode, resp.Proto)
	}
	if resp, err := client().Get(s.URL()); err == nil {
		resp.Body.Close()
		t.Error("without a client certificate: answered")
	}
}

func TestTLSConfigSelfSigned(t *testing.T) {
	cfg, pemCert, err := TLSConfig(TLSFiles{})
	if err != nil || len(pemCert) == 0 || len(cfg.Certificates) != 1 || cfg.ClientAuth != tls.NoClientCert {
		t.Fatalf("TLSConfig: %v, %d PEM bytes, %+v", err, len(pemCert), cfg)
	}
	s := start(t, Options{TLS: cfg})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCert)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := c.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestTLSConfigErrors(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, f := range []TLSFiles{
		{Cert: fx.ServerCert},                    // no key
		{Cert: missing, Key: fx.ServerKey},       // missing certificate file
		{Cert: fx.ServerCert, Key: fx.ClientKey}, // the key of another certificate
		{ClientCA: missing},                      // missing client CA
		{ClientCA: fx.ServerKey},                 // a client CA that is no certificate
	} {
		if _, _, err := TLSConfig(f); err == nil {
			t.Errorf("%+v: no error", f)
		}
	}
}

func TestEcho(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e, err := StartEcho(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("hello, echo")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != string(msg) {
		t.Fatalf("echo %q, %v", got, err)
	}
	// Cancelling closes the listener and every connection.
	cancel()
	e.Wait()
	if _, err := c.Read(got); err == nil {
		t.Error("connection still open after the server stopped")
	}
	c.Close()
}
