package certstest

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// RefuseOne accepts one connection on a loopback listener and refuses it
// the way a TLS 1.3 server that requires client certificates refuses a
// client with none: the client's handshake ends, then the server sends
// its alert and closes. It returns the address, and a channel that gets
// the server's handshake error once the server has closed.
func (m MTLS) RefuseOne(t testing.TB) (addr string, refused <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		s := tls.Server(c, m.Server)
		err = s.Handshake() // fails: no client certificate
		_ = s.Close()       // the refusal is the point; the close adds nothing
		done <- err
	}()
	return ln.Addr().String(), done
}

// WriteUntilError writes p to c every 10 ms until a write fails (the first
// writes after the peer closed may still be accepted), at most 50 times,
// and returns the error (nil if none failed).
func WriteUntilError(c net.Conn, p []byte) error {
	var err error
	for i := 0; i < 50 && err == nil; i++ {
		_, err = c.Write(p)
		time.Sleep(10 * time.Millisecond)
	}
	return err
}
