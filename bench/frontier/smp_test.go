package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// smp's curves: the event loop with and without a send tolerance, which
// reaches its command line and names its curve; every curve is distinct.
func TestSMPCurves(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	var tolerances []string
	for _, g := range generators("smp", "fortio", "vegeta") {
		c := curve(g)
		if seen[c] {
			t.Errorf("curve %q twice", c)
		}
		seen[c] = true
		s, ok := g.(smpGen)
		if !ok {
			continue
		}
		argv, _ := s.command("http://127.0.0.1:1/", 1000, 16, 5*time.Second)
		i := slices.Index(argv, "--send-tolerance")
		switch {
		case s.tolerance == "" && i >= 0:
			t.Errorf("%s: command %q has a send tolerance", c, argv)
		case s.tolerance != "" && (i < 0 || i+1 == len(argv) || argv[i+1] != s.tolerance):
			t.Errorf("%s: command %q lacks --send-tolerance %s", c, argv, s.tolerance)
		case s.tolerance != "" && !strings.HasSuffix(c, "--send-tolerance "+s.tolerance):
			t.Errorf("curve %q does not name its tolerance %s", c, s.tolerance)
		}
		if s.tolerance != "" {
			tolerances = append(tolerances, s.tolerance)
		}
	}
	// Each event-loop driver (epoll and io_uring) at 200 µs and 1 ms.
	if !slices.Equal(tolerances, []string{"200us", "1ms", "200us", "1ms"}) {
		t.Errorf("smp send tolerances %v, want 200us and 1ms for each of eventloop and uring", tolerances)
	}
}
