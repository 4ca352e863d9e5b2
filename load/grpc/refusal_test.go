package grpc

import (
	"context"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/certs/certstest"
	"github.com/smp-dev/smp/load"
)

// TestWriteFindsRefusal is the race a busy machine runs: the client
// finishes its TLS 1.3 handshake, the server refuses the missing client
// certificate (alert, close), and the client writes before it reads. The
// write finds the connection reset; the failure must still be the
// server's refusal, a tls error, not a reset.
func TestWriteFindsRefusal(t *testing.T) {
	m := certstest.New(t)
	addr, refused := m.RefuseOne(t)

	c, err := New(Config{Addr: addr, TLS: m.NoCert})
	if err != nil {
		t.Fatal(err)
	}
	l := &link{c: c}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := l.dial(ctx, addr)
	if err != nil {
		t.Fatalf("dial: %v (the handshake of a TLS 1.3 client ends before the server checks its certificate)", err)
	}
	defer nc.Close()
	if err := <-refused; err == nil {
		t.Fatal("the server accepted a client without a certificate")
	}
	// The server has sent its alert and closed. Write until the reset
	// shows (the first write after the close may still be accepted).
	werr := certstest.WriteUntilError(nc, []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	if load.Classify(werr) != load.KindReset {
		t.Fatalf("write after the server closed: %v (%s), want a reset", werr, load.Classify(werr))
	}
	l.mu.Lock()
	failure := l.failure
	l.mu.Unlock()
	if got := load.Classify(failure); got != load.KindTLS {
		t.Errorf("failure recorded %v (%q), want %s", failure, got, load.KindTLS)
	}
}
