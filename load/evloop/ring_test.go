//go:build linux

package evloop

import (
	"net"
	"sync"
	"testing"
	"time"
)

// oneShotServer answers the first byte of every connection with one byte,
// then closes the connection: every request after the first on a
// connection needs a new one.
func oneShotServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				b := make([]byte, 1)
				if _, err := c.Read(b); err == nil {
					_, _ = c.Write(b)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// evenly is n sends every gap from 10 ms.
func evenly(n int, gap time.Duration) []time.Duration {
	at := make([]time.Duration, n)
	for i := range at {
		at[i] = 10*time.Millisecond + time.Duration(i)*gap
	}
	return at
}

// Through io_uring every send is answered, none leaves before its time,
// and latencies are those of a loopback echo.
func TestRingEcho(t *testing.T) {
	at := evenly(2000, 100*time.Microsecond)
	reqs, l := runListOn(t, echoServer(t), true, 0, at)
	var late, slow int
	for i, r := range reqs {
		if r.Sent < r.At {
			t.Errorf("send %d (at %v) left early, at %v", i, r.At, r.Sent)
		}
		if r.Sent > r.At+5*time.Millisecond {
			late++
		}
		if lat := r.Done - r.Sent; lat <= 0 || lat > 20*time.Millisecond {
			slow++
		}
	}
	// Generous: a shared machine can stall a thread for milliseconds.
	if late > len(reqs)/10 || slow > len(reqs)/10 {
		t.Errorf("%d of %d sends more than 5ms late, %d latencies outside (0, 20ms]", late, len(reqs), slow)
	}
	if w := l.Wakeups(); w <= 0 || w > int64(len(reqs))*3 {
		t.Errorf("wake-ups %d for %d sends", w, len(reqs))
	}
}

// Through io_uring a connection the server closed is noticed while idle
// and the next send connects again.
func TestRingReconnect(t *testing.T) {
	at := evenly(100, time.Millisecond)
	reqs, _ := runListOn(t, oneShotServer(t), true, 0, at)
	for i, r := range reqs {
		if r.Done < r.Sent {
			t.Errorf("request %d done at %v before it was sent at %v", i, r.Done, r.Sent)
		}
	}
}

// With a tolerance, sends within it of a send leave with it through
// io_uring too.
func TestRingTolerance(t *testing.T) {
	at := []time.Duration{20 * time.Millisecond, 20*time.Millisecond + 200*time.Microsecond, 20*time.Millisecond + 400*time.Microsecond}
	reqs, _ := runListOn(t, echoServer(t), true, time.Millisecond, at)
	for i, r := range reqs[1:] {
		if !r.Batched {
			t.Errorf("send %d (at %v, sent %v) left on a wake-up of its own", i+1, r.At, r.Sent)
		}
	}
}
