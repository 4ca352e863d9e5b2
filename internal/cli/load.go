package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

type loadOptions struct {
	rate        float64
	connections int
	duration    string
	warmup      string
	timeout     string
	method      string
	headers     []string
	body        string
	bodySize    string
	maxBacklog  int
	percentiles string
	output      string
	reportPath  string
}

// loadFlags maps spec fields to the flags of smp load that set them, so
// that problems found by spec validation name what the user typed.
func loadFlags() map[string]string {
	return map[string]string{
		"workload.url":          "URL",
		"load.rate":             "--rate",
		"load.connections":      "--connections",
		"load.duration":         "--duration",
		"load.warmup":           "--warmup",
		"load.timeout":          "--timeout",
		"load.maxBacklog":       "--max-backlog",
		"load.request.method":   "--method",
		"load.request.headers":  "--header",
		"load.request.body":     "--body",
		"load.request.bodySize": "--body-size",
		"metrics.percentiles":   "--percentiles",
	}
}

func newLoadCmd(s Streams) *cobra.Command {
	o := &loadOptions{}
	c := &cobra.Command{
		Use:   "load URL",
		Short: "Drive load at a URL and print what it measured (like wrk2 or fortio)",
		Long: `Drive HTTP/1.1 load at URL and print the result.

With --rate, load is open loop: requests are sent on a fixed schedule
whatever the server does, and latency is timed from each request's intended
send time, so a server that stalls is charged for every request it delayed
(coordinated omission corrected, as wrk2). The latency from the actual send
time and the client's own send lag are reported beside it. Without --rate (or
with --rate 0), load is closed loop: each connection sends its next request
when the previous one completes, as fast as the server answers.

-o json prints the full smp.report/v1 document (one scenario, named after
the URL). Exit codes: 0 ok, 1 every request failed, 2 bad input, 130
interrupted (the partial result is still printed).`,
		Example: `  smp load http://127.0.0.1:8080/ --rate 2000 -c 8 -d 10s
  smp load http://127.0.0.1:8080/ -c 16 -d 10s -o json > result.json
  smp load http://127.0.0.1:8080/api -m POST --body-size 1KiB -H 'Content-Type: application/json'`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return o.run(c, s, a[0]) },
	}
	f := c.Flags()
	f.Float64VarP(&o.rate, "rate", "r", 0, "requests per second over all connections; 0 = closed loop")
	f.IntVarP(&o.connections, "connections", "c", 8, "connections (one worker each)")
	f.StringVarP(&o.duration, "duration", "d", "10s", "run time, warmup included")
	f.StringVar(&o.warmup, "warmup", "1s", "initial time excluded from results (must be shorter than --duration)")
	f.StringVar(&o.timeout, "timeout", "5s", "per-request timeout")
	f.StringVarP(&o.method, "method", "m", "GET", "HTTP method")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	f.StringVar(&o.body, "body", "", "request body")
	f.StringVar(&o.bodySize, "body-size", "", "send a body of this size instead (e.g. 1KiB)")
	f.IntVar(&o.maxBacklog, "max-backlog", 0, "open loop: most overdue sends before dropping (0 = one second's worth)")
	f.StringVar(&o.percentiles, "percentiles", "", "extra percentiles to report, comma-separated (e.g. 99.5,99.95)")
	f.StringVarP(&o.output, "output", "o", outTable, "output: table or json")
	f.StringVar(&o.reportPath, "report", "", "also write the JSON report to this file")
	return c
}

// test builds the test spec that the flags describe.
func (o *loadOptions) test(rawURL string) (*spec.Test, error) {
	t := spec.Default()
	t.Metadata.Name = "load"
	t.Workload = spec.Workload{URL: rawURL}
	l := &t.Load
	l.Rate, l.Connections, l.MaxBacklog = o.rate, o.connections, o.maxBacklog
	for _, d := range []struct {
		flag, v string
		dst     *spec.Duration
	}{{"--duration", o.duration, &l.Duration}, {"--warmup", o.warmup, &l.Warmup}, {"--timeout", o.timeout, &l.Timeout}} {
		v, err := spec.ParseDuration(d.v)
		if err != nil {
			return nil, usageErr("%s %q: expected a duration such as 10s, 250ms or 50us", d.flag, d.v)
		}
		*d.dst = v
	}
	l.Request.Method = o.method
	l.Request.Body = o.body
	if o.bodySize != "" {
		n, err := spec.ParseByteSize(o.bodySize)
		if err != nil {
			return nil, usageErr("--body-size %q: %v", o.bodySize, err)
		}
		l.Request.BodySize = n
	}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageErr("--header %q: expected 'Name: value'", h)
		}
		if l.Request.Headers == nil {
			l.Request.Headers = map[string]string{}
		}
		l.Request.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	if o.percentiles != "" {
		for _, p := range strings.Split(o.percentiles, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return nil, usageErr("--percentiles %q: entry %q: expected a number between 0 and 100", o.percentiles, p)
			}
			t.Metrics.Percentiles = append(t.Metrics.Percentiles, v)
		}
	}
	if err := t.Validate(); err != nil {
		return nil, flagProblems(err)
	}
	return t, nil
}

// flagProblems rewrites spec problems in terms of flags.
func flagProblems(err error) error {
	var ps spec.Problems
	if !errors.As(err, &ps) {
		return err
	}
	flags := loadFlags()
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		field := p.Field
		for prefix, flag := range flags {
			if field == prefix || strings.HasPrefix(field, prefix+"[") || strings.HasPrefix(field, prefix+".") {
				field = flag
			}
		}
		p.Field = field
		lines = append(lines, p.Error())
	}
	return &ExitError{Code: ExitUsage, Err: errors.New(strings.Join(lines, "\n"))}
}

func (o *loadOptions) run(c *cobra.Command, s Streams, rawURL string) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	t, err := o.test(rawURL)
	if err != nil {
		return err
	}
	rep, runErr := run.Run(c.Context(), t, run.Options{Tool: report.Tool{Name: "smp", Version: Version}})
	if rep == nil {
		return &ExitError{Code: ExitFailed, Err: runErr}
	}
	for i := range rep.Scenarios {
		rep.Scenarios[i].Name = rawURL
	}
	if o.reportPath != "" {
		if err := report.WriteFile(o.reportPath, rep); err != nil {
			return &ExitError{Code: ExitFailed, Err: errors.Join(runErr, err)}
		}
	}
	if err := render(s.Out, o.output, rep); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	return runErr
}
