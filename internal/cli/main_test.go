package cli

import (
	"testing"

	"github.com/smp-dev/smp/internal/cli/clitest"
)

// TestMain lets the test binary stand in for smp in the processes the
// tests start (a run interrupted by a signal): no separate build is needed.
func TestMain(m *testing.M) { clitest.Main(m, Exec) }
