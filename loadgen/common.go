package loadgen

import (
	"context"
	"sort"
	"strconv"
)

// version runs the tool's version command and returns what parse makes of
// its output; "" when the tool does not say.
func version(ctx context.Context, c Cmder, argv []string, parse func(string) string) string {
	out, err := c.Run(ctx, Cmd{Argv: argv})
	if err != nil || out == nil {
		return ""
	}
	return parse(string(out.Stdout) + "\n" + string(out.Stderr))
}

// binary is the tool's path: o.Path, else its name. With the operating
// system's Cmder it must exist (ErrNotFound); other Cmders get it as is.
func binary(name string, o Options) (string, error) {
	if _, real := o.Cmder.(Exec); !real {
		if o.Path != "" {
			return o.Path, nil
		}
		return Binary(name), nil
	}
	return Find(name, o.Path)
}

// headerArgs are flag followed by "Key: value", one pair per header, in
// the order of the keys.
func headerArgs(flag string, h map[string]string) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var a []string
	for _, k := range keys {
		a = append(a, flag, k+": "+h[k])
	}
	return a
}

// formatFloat is v as the shortest decimal that reads back as v.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// checkCommon rejects what none of fortio, vegeta and hey can express: a
// request mix, an arrival other than even pacing, a negative rate, no
// connections, and a duration that leaves no measured window.
func checkCommon(tool string, p *Plan) error {
	if p.RequestMix {
		return &PlanError{Tool: tool, Field: "load.requests", Value: "(a request mix)", Why: tool + " sends one request; use the builtin generator for a mix"}
	}
	if err := supported(tool, "load.arrival", p.Arrival, []string{"", "constant"}, tool+" only paces requests evenly (constant)"); err != nil {
		return err
	}
	if p.Rate < 0 {
		return &PlanError{Tool: tool, Field: "load.rate", Value: formatFloat(p.Rate), Why: "expected 0 (closed loop) or more requests/s"}
	}
	if p.Connections < 1 {
		return &PlanError{Tool: tool, Field: "load.connections", Value: strconv.Itoa(p.Connections), Why: "expected 1 or more"}
	}
	if p.Duration <= p.Warmup || p.Warmup < 0 {
		return &PlanError{Tool: tool, Field: "load.duration", Value: p.Duration.String(),
			Why: "expected more than load.warmup (" + p.Warmup.String() + "), which is not measured"}
	}
	if p.Streams > 1 && p.Protocol != "grpc" {
		return &PlanError{Tool: tool, Field: "load.streams", Value: strconv.Itoa(p.Streams), Why: tool + " sends one request at a time per connection"}
	}
	return nil
}
