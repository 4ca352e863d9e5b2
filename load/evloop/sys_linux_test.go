//go:build linux

package evloop

import (
	"net"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message of level and type around data.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func TestRxTime(t *testing.T) {
	ts := unix.NsecToTimespec(1_700_000_000_123_456_789)
	data := unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts))
	stamp := cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, data)
	other := cmsg(unix.SOL_IP, unix.IP_TTL, []byte{64, 0, 0, 0})
	for name, tc := range map[string]struct {
		ctl  []byte
		want int64
	}{
		"stamp alone":   {stamp, 1_700_000_000_123_456_789},
		"after another": {append(append([]byte{}, other...), stamp...), 1_700_000_000_123_456_789},
		"none":          {other, 0},
		"empty":         {nil, 0},
		"truncated":     {stamp[:unix.CmsgLen(0)+4], 0},
		"length beyond data": {func() []byte {
			b := append([]byte{}, stamp...)
			(*unix.Cmsghdr)(unsafe.Pointer(&b[0])).SetLen(1000)
			return b
		}(), 0},
	} {
		if got := rxTime(tc.ctl); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
}

// A response is timed at its kernel receive time when that falls between
// the send and the poll's return, and at the poll's return otherwise.
func TestArrived(t *testing.T) {
	l := &Loop{wall: 1_000_000_000_000}
	c := &conn{sent: 10 * time.Millisecond}
	t0 := 12 * time.Millisecond // the poll returned 2ms after the send
	for name, tc := range map[string]struct {
		rx   int64
		want time.Duration
	}{
		"no stamp":          {0, t0},
		"300µs before poll": {l.wall - 300_000, t0 - 300*time.Microsecond},
		"after the poll":    {l.wall + 1000, t0},
		"before the send":   {l.wall - 3_000_000, t0},
		"exactly at poll":   {l.wall, t0},
	} {
		if got := l.arrived(c, tc.rx, t0); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

// The sockets the loop opens get receive timestamps from the kernel, close
// to the wall clock when the bytes were written.
func TestSocketReceiveTimestamp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd, sa, err := socket(netip.MustParseAddrPort(ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The kernel turns timestamping on for the whole host when the first
	// socket asks, a moment later: the first bytes may come without one.
	var r receiver
	buf := make([]byte, 16)
	for try := range 20 {
		before := time.Now().UnixNano()
		if _, err := srv.Write([]byte("pong")); err != nil {
			t.Fatal(err)
		}
		n, rx := 0, int64(0)
		deadline := time.Now().Add(2 * time.Second)
		for n == 0 {
			var err error
			n, rx, err = r.recv(fd, buf)
			if err != nil && !isAgain(err) || time.Now().After(deadline) {
				t.Fatalf("recv: n=%d err=%v", n, err)
			}
			if n == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		after := time.Now().UnixNano()
		if string(buf[:n]) != "pong" {
			t.Fatalf("read %q, want pong", buf[:n])
		}
		if rx == 0 {
			t.Logf("try %d: no timestamp yet", try)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if rx < before-int64(time.Millisecond) || rx > after {
			t.Fatalf("stamped %d, want within [%d, %d]", rx, before, after)
		}
		return
	}
	t.Fatal("20 reads, none with a receive timestamp")
}
