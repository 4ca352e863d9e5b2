//go:build linux

package uring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Setup flags (io_uring_setup(2)) the package uses.
const (
	// SetupSingleIssuer: only one thread submits (the one that first
	// does, or enables the ring).
	SetupSingleIssuer = 1 << 12
	// SetupDeferTaskrun: completion work runs only when the submitter
	// asks for completions, and a waiter is woken only once min_complete
	// completions are ready (Linux 6.1; needs SetupSingleIssuer).
	SetupDeferTaskrun = 1 << 13
)

// Opcodes (enum io_uring_op).
const (
	opNop     = 0
	opPollAdd = 6
	opSendmsg = 9
	opRecvmsg = 10
	opTimeout = 11
	opRead    = 22
	opSend    = 26
	opRecv    = 27
)

// SQE flags.
const (
	// FlagLink links an entry to the next: the next starts when it
	// completes, and is cancelled when it fails.
	FlagLink = 1 << 2
)

const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000

	featSingleMmap = 1 << 0

	enterGetEvents = 1 << 0
	enterExtArg    = 1 << 3

	timeoutAbs = 1 << 0
)

// params is struct io_uring_params.
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

// SQE is struct io_uring_sqe (64 bytes).
type SQE struct {
	Opcode   uint8
	Flags    uint8
	Ioprio   uint16
	Fd       int32
	Off      uint64
	Addr     uint64
	Len      uint32
	OpFlags  uint32
	UserData uint64
	BufIndex uint16
	_        uint16
	_        int32
	_        [2]uint64
}

// CQE is struct io_uring_cqe: the completion of the entry whose UserData
// it carries, Res its result (negative: -errno).
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// Err is the completion's error, nil when Res is not negative.
func (c CQE) Err() error {
	if c.Res < 0 {
		return syscall.Errno(-c.Res)
	}
	return nil
}

// getEventsArg is struct io_uring_getevents_arg.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// Ring is one io_uring instance. It is not safe for concurrent use; with
// SetupSingleIssuer, only the thread that first submits may use it.
//
// The memory an entry points to (buffers, message headers, timespecs) must
// stay reachable and unmoved until its completion is reaped: Go's heap
// does not move objects, but the caller must keep a reference.
type Ring struct {
	fd     int
	flags  uint32
	sqMem  []byte
	cqMem  []byte
	sqeMem []byte

	sqHead, sqTail *uint32
	sqMask         uint32
	sqes           []SQE
	tail           uint32 // local tail: entries prepared, not yet published

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []CQE

	arg getEventsArg
	ts  unix.Timespec
	// timedOut: the last Enter's wait ended by its timeout.
	timedOut bool
}

// New sets up a ring of at least entries submission entries (a power of
// two, rounded up by the kernel) with the given setup flags. The error
// says why io_uring can't be used here: ENOSYS (no io_uring), EPERM
// (seccomp, or kernel.io_uring_disabled), EINVAL (a flag this kernel
// lacks).
func New(entries uint32, flags uint32) (*Ring, error) {
	var p params
	p.flags = flags
	fd, _, e := unix.RawSyscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", e)
	}
	r := &Ring{fd: int(fd), flags: flags}
	if err := r.mmap(&p); err != nil {
		_ = r.Close() // cleanup on an error path
		return nil, err
	}
	return r, nil
}

func (r *Ring) mmap(p *params) error {
	sqSize := int(p.sqOff.array + p.sqEntries*4)
	cqSize := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(CQE{})))
	if p.features&featSingleMmap != 0 {
		sqSize = max(sqSize, cqSize)
		cqSize = sqSize
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("io_uring mmap sq: %w", err)
	}
	r.cqMem = r.sqMem
	if p.features&featSingleMmap == 0 {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			r.cqMem = nil
			return fmt.Errorf("io_uring mmap cq: %w", err)
		}
	}
	sqeSize := int(p.sqEntries) * int(unsafe.Sizeof(SQE{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("io_uring mmap sqes: %w", err)
	}
	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail)
	r.sqMask = *u32(r.sqMem, p.sqOff.ringMask)
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	// The index array maps ring slots to entries one to one, once for all.
	array := unsafe.Slice(u32(r.sqMem, p.sqOff.array), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.tail = atomic.LoadUint32(r.sqTail)
	r.cqHead, r.cqTail = u32(r.cqMem, p.cqOff.head), u32(r.cqMem, p.cqOff.tail)
	r.cqMask = *u32(r.cqMem, p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), p.cqEntries)
	return nil
}

// Close unmaps the rings and closes the ring's descriptor.
func (r *Ring) Close() error {
	var errs []error
	shared := len(r.cqMem) > 0 && len(r.sqMem) > 0 && &r.cqMem[0] == &r.sqMem[0]
	maps := [][]byte{r.sqeMem, r.sqMem}
	if !shared {
		maps = append(maps, r.cqMem)
	}
	for _, m := range maps {
		if m != nil {
			errs = append(errs, unix.Munmap(m))
		}
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	if r.fd >= 0 {
		errs = append(errs, unix.Close(r.fd))
		r.fd = -1
	}
	return errors.Join(errs...)
}

// Pending is how many entries are prepared and not yet submitted.
func (r *Ring) Pending() int { return int(r.tail - atomic.LoadUint32(r.sqHead)) }

// get is the next free submission entry, zeroed, or nil when the queue is
// full (Submit first).
func (r *Ring) get() *SQE {
	if r.tail-atomic.LoadUint32(r.sqHead) >= uint32(len(r.sqes)) {
		return nil
	}
	s := &r.sqes[r.tail&r.sqMask]
	*s = SQE{}
	r.tail++
	return s
}

// ErrFull is a submission queue with no free entry.
var ErrFull = errors.New("io_uring: submission queue full")

func (r *Ring) prep(op uint8, fd int, addr unsafe.Pointer, n uint32, off uint64, user uint64) (*SQE, error) {
	s := r.get()
	if s == nil {
		return nil, ErrFull
	}
	s.Opcode, s.Fd, s.Addr, s.Len, s.Off, s.UserData = op, int32(fd), uint64(uintptr(addr)), n, off, user
	return s, nil
}

// Send queues a send(2) of b on fd.
func (r *Ring) Send(fd int, b []byte, user uint64) (*SQE, error) {
	return r.prep(opSend, fd, unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)), 0, user)
}

// Sendmsg queues a sendmsg(2) of msg on fd.
func (r *Ring) Sendmsg(fd int, msg *unix.Msghdr, user uint64) (*SQE, error) {
	return r.prep(opSendmsg, fd, unsafe.Pointer(msg), 1, 0, user)
}

// Recv queues a recv(2) into b from fd.
func (r *Ring) Recv(fd int, b []byte, user uint64) (*SQE, error) {
	return r.prep(opRecv, fd, unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)), 0, user)
}

// Recvmsg queues a recvmsg(2) into msg from fd (with its control
// buffer, for receive timestamps).
func (r *Ring) Recvmsg(fd int, msg *unix.Msghdr, user uint64) (*SQE, error) {
	return r.prep(opRecvmsg, fd, unsafe.Pointer(msg), 1, 0, user)
}

// Read queues a read(2) into b from fd.
func (r *Ring) Read(fd int, b []byte, user uint64) (*SQE, error) {
	return r.prep(opRead, fd, unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)), ^uint64(0), user)
}

// PollAdd queues a one-shot poll of fd for events (POLLIN, POLLOUT...).
func (r *Ring) PollAdd(fd int, events uint32, user uint64) (*SQE, error) {
	s, err := r.prep(opPollAdd, fd, nil, 0, 0, user)
	if err == nil {
		s.OpFlags = events
	}
	return s, err
}

// Nop queues an entry that completes at once.
func (r *Ring) Nop(user uint64) (*SQE, error) { return r.prep(opNop, -1, nil, 0, 0, user) }

// Timeout queues a timer that completes (with -ETIME) at ts, an absolute
// CLOCK_MONOTONIC time when abs is set, else a time from submission. ts
// must stay valid until it completes.
func (r *Ring) Timeout(ts *unix.Timespec, abs bool, user uint64) (*SQE, error) {
	s, err := r.prep(opTimeout, -1, unsafe.Pointer(ts), 1, 0, user)
	if err == nil && abs {
		s.OpFlags = timeoutAbs
	}
	return s, err
}

// Enter submits the prepared entries and waits until at least wait
// completions are ready, or until timeout (when not negative; 0 does not
// wait). It returns how many entries the kernel took. A wait cut short by
// the timeout or a signal is not an error.
func (r *Ring) Enter(wait uint32, timeout int64) (int, error) {
	submit := r.tail - atomic.LoadUint32(r.sqTail)
	atomic.StoreUint32(r.sqTail, r.tail)
	flags := uintptr(0)
	var argp unsafe.Pointer
	var argSz uintptr
	if wait > 0 || r.flags&SetupDeferTaskrun != 0 {
		// Deferred completion work runs only when completions are asked for.
		flags |= enterGetEvents
	}
	if wait > 0 && timeout >= 0 {
		r.ts = unix.NsecToTimespec(timeout)
		r.arg = getEventsArg{sigmaskSz: 8, ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
		argp, argSz = unsafe.Pointer(&r.arg), unsafe.Sizeof(r.arg)
		flags |= enterExtArg
	}
	var n uintptr
	var e syscall.Errno
	r.timedOut = false
	if wait == 0 {
		n, _, e = unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(submit), 0, flags, uintptr(argp), argSz)
	} else {
		n, _, e = unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(submit), uintptr(wait), flags, uintptr(argp), argSz)
	}
	switch e {
	case 0:
		return int(n), nil
	case unix.ETIME, unix.EINTR:
		r.timedOut = e == unix.ETIME
		return int(submit) - r.Pending(), nil
	}
	return 0, fmt.Errorf("io_uring_enter: %w", e)
}

// TimedOut reports whether the last Enter's wait ended by its timeout
// (rather than with the completions it waited for, or a signal). The
// kernel says so only when that Enter submitted nothing: otherwise it
// returns how many it submitted, and TimedOut is false.
func (r *Ring) TimedOut() bool { return r.timedOut }

// Reap calls fn with every completion ready, in order, and frees their
// slots; it returns how many there were.
func (r *Ring) Reap(fn func(CQE)) int {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	n := 0
	for ; head != tail; head++ {
		c := r.cqes[head&r.cqMask]
		// The slot is released before fn runs: fn may queue entries, whose
		// completions need room.
		atomic.StoreUint32(r.cqHead, head+1)
		fn(c)
		n++
	}
	return n
}

// Next takes the next ready completion off the queue, if there is one.
func (r *Ring) Next() (CQE, bool) {
	head := atomic.LoadUint32(r.cqHead)
	if head == atomic.LoadUint32(r.cqTail) {
		return CQE{}, false
	}
	c := r.cqes[head&r.cqMask]
	atomic.StoreUint32(r.cqHead, head+1)
	return c, true
}
