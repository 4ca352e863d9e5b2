//go:build linux

package evloop

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of the loop. Reads and writes on its non-blocking
// sockets never block, so they go straight to the kernel without telling
// the Go scheduler (RawSyscall); so does a poll that does not wait. A poll
// that may wait tells it (Syscall), so that other goroutines get the
// thread's scheduler slot meanwhile.

func rawRead(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// wait is epoll_pwait2(2): it waits for events up to timeout (nanosecond
// resolution; epoll_wait(2) has milliseconds), forever when ts is nil.
func wait(ep int, events []unix.EpollEvent, ts *unix.Timespec) (int, error) {
	var n uintptr
	var e syscall.Errno
	args := [6]uintptr{uintptr(ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(unsafe.Pointer(ts))}
	if ts != nil && ts.Sec == 0 && ts.Nsec == 0 {
		n, _, e = unix.RawSyscall6(unix.SYS_EPOLL_PWAIT2, args[0], args[1], args[2], args[3], 0, 0)
	} else {
		n, _, e = unix.Syscall6(unix.SYS_EPOLL_PWAIT2, args[0], args[1], args[2], args[3], 0, 0)
	}
	switch e {
	case 0:
		return int(n), nil
	case unix.EINTR:
		return 0, nil
	}
	return 0, e
}

// socket opens a non-blocking TCP socket for addr, without Nagle's delay
// (requests are written whole), with receive timestamps.
func socket(addr netip.AddrPort) (int, unix.Sockaddr, error) {
	family := unix.AF_INET
	var sa unix.Sockaddr
	if a := addr.Addr(); a.Is4() || a.Is4In6() {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: a.Unmap().As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: a.As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, nil, fmt.Errorf("socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		_ = unix.Close(fd) // cleanup on an error path
		return -1, nil, fmt.Errorf("setsockopt TCP_NODELAY: %w", err)
	}
	// Receive timestamps: without them, responses are timed when the loop
	// gets to them.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	return fd, sa, nil
}

// connectErr is the outcome of a non-blocking connect the poll set reported
// writable (or failed).
func connectErr(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return syscall.Errno(v)
	}
	return nil
}

// opError is a failed system call on a connection, named so that a report
// reader knows which step failed.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// isAgain reports whether err is the "would block" of a non-blocking call.
func isAgain(err error) bool {
	return errors.Is(err, unix.EAGAIN)
}

// receiver reads with recvmsg(2) for the kernel's receive timestamp of
// what it reads (SO_TIMESTAMPNS, set on every socket): when the last
// packet read reached the socket, before any wake-up of the loop's thread.
// One per loop; it keeps the message header so that reads do not allocate.
type receiver struct {
	iov unix.Iovec
	msg unix.Msghdr
	oob [64]byte
}

// recv reads into b; rxNs is the receive time (Unix nanoseconds, the
// realtime clock), 0 when the kernel gave none.
func (r *receiver) recv(fd int, b []byte) (n int, rxNs int64, err error) {
	r.iov.Base = unsafe.SliceData(b)
	r.iov.SetLen(len(b))
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	r.msg.Control = &r.oob[0]
	r.msg.SetControllen(len(r.oob))
	r.msg.Flags = 0
	m, _, e := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.msg)), 0)
	if e != 0 {
		return 0, 0, e
	}
	return int(m), rxTime(r.oob[:min(uint64(len(r.oob)), r.msg.Controllen)]), nil
}

// rxTime finds the SCM_TIMESTAMPNS message among control messages.
func rxTime(ctl []byte) int64 {
	hdr := unix.CmsgLen(0)
	for len(ctl) >= hdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
		l := int(h.Len)
		if l < hdr || l > len(ctl) {
			return 0
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && l >= unix.CmsgLen(int(unsafe.Sizeof(unix.Timespec{}))) {
			ts := (*unix.Timespec)(unsafe.Pointer(&ctl[hdr]))
			return ts.Nano()
		}
		ctl = ctl[min(len(ctl), unix.CmsgSpace(l-hdr)):]
	}
	return 0
}
