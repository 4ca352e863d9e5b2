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
// (requests are written whole).
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
		unix.Close(fd)
		return -1, nil, fmt.Errorf("setsockopt TCP_NODELAY: %w", err)
	}
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
