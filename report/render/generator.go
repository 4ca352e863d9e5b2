package render

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/smp-dev/smp/report"
)

// generatorLines describe the load generator of each scenario, one
// [scenario, description] pair each, when any scenario was measured by
// another generator than smp's own engine (whose figures the rest of the
// table explains); nil otherwise.
func generatorLines(r *report.Report) [][2]string {
	var out [][2]string
	external := false
	for _, s := range r.Scenarios {
		g := s.Summary.Client.Generator
		if g == nil {
			continue
		}
		external = external || g.Name != "builtin"
		out = append(out, [2]string{s.Name, describeGenerator(g)})
	}
	if !external {
		return nil
	}
	return out
}

// describeGenerator says what a generator's latency figures are.
func describeGenerator(g *report.Generator) string {
	var b strings.Builder
	b.WriteString(g.Name)
	if g.Version != "" {
		b.WriteString(" " + g.Version)
	}
	switch g.LatencyClock {
	case "intended":
		b.WriteString(": latency from the intended send time")
	case "actual":
		b.WriteString(": latency from the actual send (a stall the generator waited out is not all counted)")
	}
	fmt.Fprintf(&b, "; %s histogram", g.Histogram)
	if g.Histogram == "reconstructed" {
		b.WriteString(" (rebuilt from its printed percentiles)")
	}
	if g.ResolutionMs > 0 {
		fmt.Fprintf(&b, ", resolution %v", time.Duration(math.Round(g.ResolutionMs*1e6)))
	}
	return b.String()
}
