package load_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/load"
)

// refusedConn returns a client connection whose TLS 1.3 handshake ended and
// which the server has then refused (alert, close) for the missing client
// certificate, and a write to it that found it reset: the race a busy
// machine runs when the client writes before it reads.
func refusedConn(t *testing.T) (net.Conn, error) {
	t.Helper()
	m := certstest.New(t)
	addr, refused := m.RefuseOne(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.NoCert.Clone()
	cfg.ServerName = "127.0.0.1"
	c := tls.Client(nc, cfg)
	t.Cleanup(func() { c.Close() })
	if err := c.HandshakeContext(ctx); err != nil {
		t.Fatalf("handshake: %v (a TLS 1.3 client's ends before the server checks its certificate)", err)
	}
	if err := <-refused; err == nil {
		t.Fatal("the server accepted a client without a certificate")
	}
	werr := certstest.WriteUntilError(c, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if load.Classify(werr) != load.KindReset {
		t.Fatalf("write after the server closed: %v (%s), want a reset", werr, load.Classify(werr))
	}
	return c, werr
}

func TestRefusal(t *testing.T) {
	c, werr := refusedConn(t)
	if got := load.Refusal(c, werr); load.Classify(got) != load.KindTLS {
		t.Errorf("Refusal: %v (%s), want the server's alert, %s", got, load.Classify(got), load.KindTLS)
	}

	// Other failures are returned as they are, without a read.
	for _, err := range []error{net.ErrClosed, context.DeadlineExceeded, errors.New("other")} {
		if got := load.Refusal(c, err); got != err {
			t.Errorf("Refusal(%v) = %v, want it unchanged", err, got)
		}
	}
}

// TestRefusalPlain: a reset with no alert queued stays a reset.
func TestRefusalPlain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			// Close with a reset once the client is connected (a reset
			// before its connect returns fails the dial instead).
			var b [1]byte
			_, _ = c.Read(b[:])
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	werr := certstest.WriteUntilError(c, []byte("x"))
	if got := load.Refusal(c, werr); got != werr || load.Classify(got) != load.KindReset {
		t.Errorf("Refusal(%v) = %v, want the reset itself", werr, got)
	}
}
