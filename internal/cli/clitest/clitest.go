// Package clitest lets a test binary stand in for the smp binary, so that
// tests which start smp as a process (the local platform's services and
// sidecars, a run interrupted by a signal) need no `go build`: the test
// binary re-executes itself, and in the child it runs smp's command line
// instead of the tests. Main also points SMP_STORE at a temporary store
// and SMP_LIVE_DIR beside it, so that no test keeps reports or live feeds
// in the user's own.
package clitest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// envVar marks a process started from the test binary to act as smp.
const envVar = "SMP_TEST_BINARY_IS_SMP"

// Main is a TestMain: in a child started through Exe it runs smp's command
// line (smp, normally cli.Exec: passed in, so that package cli's own tests
// can use it too) with the child's arguments and exits; otherwise it runs
// the tests, with SMP_STORE set to a store in a temporary directory
// (removed after them) for the tests and the children they start.
func Main(m *testing.M, smp func(args []string) int) {
	if os.Getenv(envVar) == "1" {
		os.Exit(smp(os.Args[1:]))
	}
	// Children inherit the variable; the tests themselves do not read it.
	if err := os.Setenv(envVar, "1"); err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "smp-test-store-")
	if err != nil {
		panic(err)
	}
	if err := os.Setenv(StoreEnv, filepath.Join(dir, "results.db")); err != nil {
		panic(err)
	}
	if err := os.Setenv(LiveEnv, filepath.Join(dir, "live")); err != nil {
		panic(err)
	}
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "clitest: remove the test store: %v\n", err)
	}
	os.Exit(code)
}

// StoreEnv is the variable that names smp's results store (see Main).
const StoreEnv = "SMP_STORE"

// LiveEnv names the directory of the runs' live feeds (package live's
// DirEnv; see Main).
const LiveEnv = "SMP_LIVE_DIR"

// Exe is the path of the running test binary, which acts as smp in any
// process it starts (see Main).
func Exe(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	return exe
}
