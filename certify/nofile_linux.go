//go:build linux

package certify

import "syscall"

// noFile is the process's RLIMIT_NOFILE.
func noFile() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	return r.Cur, r.Max, nil
}
