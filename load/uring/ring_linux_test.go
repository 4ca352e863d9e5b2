//go:build linux

package uring

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newRing sets up a ring, skipping the test where io_uring is unavailable.
func newRing(t *testing.T, flags uint32) *Ring {
	t.Helper()
	r, err := New(8, flags)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("io_uring unavailable on this machine: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func socketpair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Close(fds[0]); _ = unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// reapAll waits for n completions and returns them by user data.
func reapAll(t *testing.T, r *Ring, n int) map[uint64]CQE {
	t.Helper()
	got := map[uint64]CQE{}
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d completions of %d after 5s: %v", len(got), n, got)
		}
		if _, err := r.Enter(1, int64(100*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		r.Reap(func(c CQE) { got[c.UserData] = c })
	}
	return got
}

func TestSendRecv(t *testing.T) {
	for _, flags := range []uint32{0, SetupSingleIssuer | SetupDeferTaskrun} {
		r := newRing(t, flags)
		a, b := socketpair(t)
		buf := make([]byte, 16)
		// The receive first: it waits in the ring for the send's bytes.
		if _, err := r.Recv(b, buf, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Send(a, []byte("hello"), 1); err != nil {
			t.Fatal(err)
		}
		if n := r.Pending(); n != 2 {
			t.Fatalf("pending %d, want 2", n)
		}
		got := reapAll(t, r, 2)
		if r.TimedOut() {
			t.Errorf("flags %#x: TimedOut after a wait that got its completions", flags)
		}
		if got[1].Res != 5 || got[1].Err() != nil {
			t.Errorf("flags %#x: send completion %+v, want 5 bytes", flags, got[1])
		}
		if got[2].Res != 5 || string(buf[:5]) != "hello" {
			t.Errorf("flags %#x: recv completion %+v, buffer %q, want 5 bytes of hello", flags, got[2], buf)
		}
	}
}

func TestSendmsgRecvmsg(t *testing.T) {
	r := newRing(t, 0)
	a, b := socketpair(t)
	parts := [][]byte{[]byte("GET / "), []byte("body")}
	iov := make([]unix.Iovec, 2)
	for i, p := range parts {
		iov[i].Base = &p[0]
		iov[i].SetLen(len(p))
	}
	var out unix.Msghdr
	out.Iov = &iov[0]
	out.SetIovlen(2)
	buf := make([]byte, 32)
	var in unix.Msghdr
	inIov := unix.Iovec{Base: &buf[0]}
	inIov.SetLen(len(buf))
	in.Iov = &inIov
	in.SetIovlen(1)
	if _, err := r.Sendmsg(a, &out, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Recvmsg(b, &in, 2); err != nil {
		t.Fatal(err)
	}
	got := reapAll(t, r, 2)
	if got[1].Res != 10 || got[2].Res != 10 || string(buf[:10]) != "GET / body" {
		t.Errorf("sendmsg %+v, recvmsg %+v, buffer %q; want 10 bytes of %q", got[1], got[2], buf[:max(0, got[2].Res)], "GET / body")
	}
}

func TestTimeout(t *testing.T) {
	r := newRing(t, SetupSingleIssuer|SetupDeferTaskrun)
	const d = 20 * time.Millisecond
	ts := unix.NsecToTimespec(int64(d))
	start := time.Now()
	if _, err := r.Timeout(&ts, false, 7); err != nil {
		t.Fatal(err)
	}
	got := reapAll(t, r, 1)
	el := time.Since(start)
	if !errors.Is(got[7].Err(), unix.ETIME) {
		t.Errorf("timeout completion %+v: want -ETIME", got[7])
	}
	if el < d || el > d+time.Second {
		t.Errorf("timeout of %v completed after %v", d, el)
	}
}

func TestEnterTimeoutWithoutCompletions(t *testing.T) {
	r := newRing(t, 0)
	start := time.Now()
	if _, err := r.Enter(1, int64(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 10*time.Millisecond || el > time.Second {
		t.Errorf("a 10ms wait with nothing to complete returned after %v", el)
	}
	if !r.TimedOut() {
		t.Error("TimedOut false after a wait that timed out")
	}
	if n := r.Reap(func(CQE) {}); n != 0 {
		t.Errorf("%d completions, want none", n)
	}
}

func TestFull(t *testing.T) {
	r := newRing(t, 0)
	n := 0
	for {
		if _, err := r.Nop(uint64(n)); err != nil {
			if !errors.Is(err, ErrFull) {
				t.Fatal(err)
			}
			break
		}
		n++
		if n > 1024 {
			t.Fatal("queue never full")
		}
	}
	if n != 8 {
		t.Errorf("%d entries fit, want 8", n)
	}
	if got := reapAll(t, r, n); len(got) != n {
		t.Errorf("%d completions, want %d", len(got), n)
	}
	if _, err := r.Nop(99); err != nil {
		t.Errorf("after submitting, the queue is still full: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	// Deferred task work without a single issuer is refused.
	if r, err := New(8, SetupDeferTaskrun); err == nil {
		_ = r.Close()
		t.Fatal("New accepted SetupDeferTaskrun without SetupSingleIssuer")
	}
}
