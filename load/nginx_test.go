package load_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/load/http2"
)

// nginxBody is what the nginx of startNginx answers every request with.
const nginxBody = "smp-nginx-ok\n"

// nginxAddrs are the ports of startNginx: HTTP/1.1, h2c (prior
// knowledge), and TLS (HTTP/1.1 and h2 by ALPN, client certificates
// required).
type nginxAddrs struct{ plain, h2c, tls string }

// startNginx runs nginx in the foreground with three servers answering
// nginxBody; it skips when nginx is not installed, unless CI is set.
func startNginx(t *testing.T, fx certs.Fixture) nginxAddrs {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the test against a real nginx (the full suite runs it)")
	}
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nginx is not installed (scripts/install-deps installs it)")
		}
		t.Skip("nginx is not installed; scripts/install-deps installs it")
	}
	dir := t.TempDir()
	a := nginxAddrs{plain: freeAddr(t), h2c: freeAddr(t), tls: freeAddr(t)}
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server { listen %[2]s; location / { return 200 %[6]q; } }
  server { listen %[3]s http2; location / { return 200 %[6]q; } }
  server {
    listen %[4]s ssl http2;
    ssl_certificate %[5]s;
    ssl_certificate_key %[7]s;
    ssl_client_certificate %[8]s;
    ssl_verify_client on;
    location / { return 200 %[6]q; }
  }
}
`, dir, a.plain, a.h2c, a.tls, fx.ServerCert, nginxBody, fx.ServerKey, fx.CA)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-p", dir, "-c", path)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	for _, addr := range []string{a.plain, a.h2c, a.tls} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("nginx did not listen on %s: %s", addr, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return a
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestNginx drives each HTTP protocol at nginx: http1 in cleartext and
// over mTLS (a connection per request), h2c with streams, http2 over mTLS.
func TestNginx(t *testing.T) {
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := startNginx(t, fx)
	tlsConf, err := load.TLSOptions{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}.Config()
	if err != nil {
		t.Fatal(err)
	}
	mk1 := func(raw string, newConn bool) load.Dialer {
		u, _ := url.Parse(raw)
		c, err := http1.New(http1.Config{URL: u, TLS: tlsConf, NewConnection: newConn})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mk2 := func(raw string, streams int) load.Dialer {
		u, _ := url.Parse(raw)
		c, err := http2.New(http2.Config{URL: u, TLS: tlsConf, Streams: streams})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name      string
		dialer    load.Dialer
		workers   int
		handshake bool // connect and TLS handshake timed
	}{
		// HTTP/1.1, keep-alive.
		{"http1", mk1("http://"+a.plain+"/", false), 2, false},
		// HTTP/1.1 over mTLS, a connection per request.
		{"http1 mtls new connection", mk1("https://"+a.tls+"/", true), 2, true},
		// h2c, 4 streams on each of 2 connections.
		{"h2c", mk2("http://"+a.h2c+"/", 4), 8, false},
		// HTTP/2 over mTLS, 4 streams on each of 2 connections.
		{"http2 mtls", mk2("https://"+a.tls+"/", 4), 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := load.Run(context.Background(), load.Plan{
				Dialer: tt.dialer, Connections: tt.workers, Duration: 250 * time.Millisecond,
				Warmup: 50 * time.Millisecond, Timeout: 2 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests == 0 || res.Errors != 0 || res.StatusCodes[200] != res.Requests || res.BytesReceived < int64(len(nginxBody))*res.Requests {
				t.Fatalf("requests %d, errors %v, statuses %v, bytes %d", res.Requests, res.ErrorKinds, res.StatusCodes, res.BytesReceived)
			}
			timed := res.ConnectTime != nil && res.ConnectTime.Count() == res.Requests &&
				res.TLSHandshake != nil && res.TLSHandshake.Count() == res.Requests
			if timed != tt.handshake {
				t.Errorf("connect %v, handshake %v for %d requests; want timed: %v", res.ConnectTime, res.TLSHandshake, res.Requests, tt.handshake)
			}
		})
	}
}

// lockedBuffer collects nginx's output, written and read concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
