//go:build linux

package evloop

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// byteCodec writes one byte per request and takes one byte as the whole
// response (a server that echoes every byte it reads).
type byteCodec struct{}

func (byteCodec) Request() (head, body []byte) { return []byte{'x'}, nil }
func (byteCodec) Feed(b []byte) (int, bool, error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	return 1, true, nil
}
func (byteCodec) EOF(int) (bool, error)             { return false, io.ErrUnexpectedEOF }
func (byteCodec) Response() (record.Response, bool) { return record.Response{}, true }

// listFeed hands out the sends intended at the offsets of at, in order, to
// whichever connection asks, and keeps what came back.
type listFeed struct {
	start     time.Time
	tolerance time.Duration
	at        []time.Duration
	next      int
	done      []record.Request
}

func (f *listFeed) Start() time.Time                           { return f.start }
func (f *listFeed) Timeout() time.Duration                     { return time.Second }
func (f *listFeed) Interval() time.Duration                    { return time.Second }
func (f *listFeed) Tolerance() time.Duration                   { return f.tolerance }
func (f *listFeed) Done(_ int, r record.Request)               { f.done = append(f.done, r) }
func (f *listFeed) Advance(time.Duration, bool, time.Duration) {}

func (f *listFeed) Next(int, time.Duration) (time.Duration, bool) {
	if f.next == len(f.at) {
		return 0, false
	}
	f.next++
	return f.at[f.next-1], true
}

// echoServer echoes every byte on every connection until the test ends.
func echoServer(t *testing.T) string {
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
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// runList runs the sends intended at offsets at (from 30 ms after now) on
// 8 connections with tolerance tol, and returns them by intended time.
func runList(t *testing.T, tol time.Duration, at []time.Duration) ([]record.Request, *Loop) {
	t.Helper()
	return runListOn(t, echoServer(t), false, tol, at)
}

// runListOn is runList against the server at addr, through io_uring when
// ring is set (skipping the test where io_uring is unavailable).
func runListOn(t *testing.T, addr string, ring bool, tol time.Duration, at []time.Duration) ([]record.Request, *Loop) {
	t.Helper()
	codecs := make([]Codec, 8)
	for i := range codecs {
		codecs[i] = byteCodec{}
	}
	l, err := New(context.Background(), Config{Addr: addr, Codecs: codecs, ReadBuffer: 64})
	if err != nil {
		t.Skipf("no event loop here: %v", err)
	}
	if ring {
		if err := l.UseRing(); err != nil {
			_ = l.Close()
			t.Skipf("io_uring unavailable here: %v", err)
		}
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	l.Connect(time.Now().Add(time.Second))
	f := &listFeed{start: time.Now().Add(30 * time.Millisecond), tolerance: tol, at: at}
	l.Run(f)
	if ring && l.RingErr() != nil {
		t.Fatalf("the run fell back to epoll: %v", l.RingErr())
	}
	if len(f.done) != len(at) {
		t.Fatalf("%d requests recorded, want %d", len(f.done), len(at))
	}
	byAt := map[time.Duration]record.Request{}
	for _, r := range f.done {
		if r.Err != nil {
			t.Fatalf("request at %v: %v", r.At, r.Err)
		}
		byAt[r.At] = r
	}
	out := make([]record.Request, len(at))
	for i, a := range at {
		out[i] = byAt[a]
	}
	return out, l
}

// With a tolerance, the sends intended within it of a send leave with it,
// back to back and early; a send intended further away waits for its own
// time. Without one, no send leaves before its time.
func TestSendTolerance(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	// Three groups: five sends within 0.8 ms, a lone send 10 ms later,
	// two sends 0.9 ms apart; then one 4 ms after the last group.
	at := []time.Duration{ms(20), ms(20.2), ms(20.4), ms(20.6), ms(20.8), ms(30), ms(40), ms(40.9), ms(45)}
	firsts := map[int]bool{0: true, 5: true, 6: true, 8: true}
	const tol = time.Millisecond

	reqs, l := runList(t, tol, at)
	for i, r := range reqs {
		if r.Sent < r.At-tol {
			t.Errorf("send %d (at %v) left at %v: more than the tolerance early", i, r.At, r.Sent)
		}
	}
	for i, r := range reqs {
		if firsts[i] {
			// It waited for its time, unless the loop woke so late
			// (more than the gap from the previous group less the
			// tolerance: several ms) that it was due at once.
			if i > 0 && r.Batched && reqs[i-1].Sent < r.At-tol-2*time.Millisecond {
				t.Errorf("send %d (at %v, sent %v) left with the previous one (sent %v): outside the tolerance", i, r.At, r.Sent, reqs[i-1].Sent)
			}
			continue
		}
		if !r.Batched {
			t.Errorf("send %d (at %v, sent %v) left on a wake-up of its own: within the tolerance of send %d", i, r.At, r.Sent, i-1)
		}
		// Early when it is due 0.5 ms or more after the first send of
		// its group and that one left on time: the sends go back to back
		// (a slow machine may take a few hundred µs for a few of them,
		// so the sends due just after the first are not held to it).
		first := i - 1
		for !firsts[first] {
			first--
		}
		if r.At-reqs[first].At >= 500*time.Microsecond && reqs[first].Sent <= reqs[first].At+100*time.Microsecond && r.Sent >= r.At {
			t.Errorf("send %d (at %v) left at %v, not early, though the first of its group left on time (%v)", i, r.At, r.Sent, reqs[first].Sent)
		}
	}
	if w := l.Wakeups(); w <= 0 {
		t.Errorf("wake-ups %d: expected some", w)
	}

	reqs, _ = runList(t, 0, at)
	for i, r := range reqs {
		if r.Sent < r.At {
			t.Errorf("no tolerance: send %d (at %v) left early, at %v", i, r.At, r.Sent)
		}
	}
}
