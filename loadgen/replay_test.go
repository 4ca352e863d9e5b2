package loadgen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// replayCmder is a Cmder that answers from recorded outputs: the first
// rule whose match accepts a command's argv gives its output. It keeps
// every command it was given.
type replayCmder struct {
	mu    sync.Mutex
	rules []replayRule
	ran   [][]string
	// files keeps the content of the -s script of each command, read
	// while it runs (the adapter removes it afterwards).
	files []string
}

type replayRule struct {
	match func(argv []string) bool
	out   *Output
	err   error
}

func (c *replayCmder) Run(_ context.Context, cmd Cmd) (*Output, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ran = append(c.ran, cmd.Argv)
	if i := slices.Index(cmd.Argv, "-s"); i >= 0 && i+1 < len(cmd.Argv) {
		b, _ := os.ReadFile(cmd.Argv[i+1])
		c.files = append(c.files, string(b))
	}
	for _, r := range c.rules {
		if r.match(cmd.Argv) {
			o := *r.out
			return &o, r.err
		}
	}
	return &Output{ExitCode: 127, Stderr: []byte("replayCmder: no rule for " + strings.Join(cmd.Argv, " "))}, nil
}

// measured returns the commands that were not version queries.
func (c *replayCmder) measured() [][]string {
	var out [][]string
	for _, a := range c.ran {
		if !slices.Contains(a, "-v") && !slices.Contains(a, "--version") {
			out = append(out, a)
		}
	}
	return out
}

// hasArg matches argv that holds a (as one argument).
func hasArg(a string) func([]string) bool {
	return func(argv []string) bool { return slices.Contains(argv, a) }
}

// anyArgv matches every command.
func anyArgv([]string) bool { return true }

// readFixture reads testdata/dir/name.
func readFixture(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
