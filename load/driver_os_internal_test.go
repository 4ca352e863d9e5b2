package load

import (
	"errors"
	"strings"
	"testing"
)

func TestEventLoopOSError(t *testing.T) {
	err := eventLoopOSError("windows")
	for _, want := range []string{`driver "eventloop"`, "linux-only", "this is windows", "expected goroutines"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if !errors.Is(err, ErrPlan) {
		t.Error("not an ErrPlan")
	}
}
