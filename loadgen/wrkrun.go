package loadgen

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
)

// What wrk and wrk2 share: their flags (wrk2 is a fork of wrk that adds a
// rate), their Lua script for the method and body, and their summary.

// KindHTTPError is the error kind of the responses wrk and wrk2 count as
// "Non-2xx or 3xx": statuses of 400 and up, which they do not split into
// load.KindHTTP4xx and load.KindHTTP5xx.
const KindHTTPError = "http_4xx_or_5xx"

// checkWrkFamily rejects what neither wrk nor wrk2 can run: they speak
// HTTP/1.1 only, over connections kept open, with no client certificate,
// and run for whole seconds.
func checkWrkFamily(tool string, p *Plan) error {
	if err := supported(tool, "load.protocol", p.Protocol, []string{"", "http1"}, tool+" speaks HTTP/1.1 only: use http1, or the builtin generator"); err != nil {
		return err
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &PlanError{Tool: tool, Field: "target URL", Value: strconv.Quote(p.URL), Why: "expected an http:// or https:// URL"}
	}
	if p.TLS != nil && (p.TLS.Cert != "" || p.TLS.Key != "") {
		return &PlanError{Tool: tool, Field: "load.tls.cert", Value: strconv.Quote(p.TLS.Cert), Why: tool + " has no option for a client certificate"}
	}
	if p.RequestMix {
		return &PlanError{Tool: tool, Field: "load.requests", Value: "(a mix)", Why: tool + " sends one request: use load.request"}
	}
	if p.NewConnection {
		return &PlanError{Tool: tool, Field: "load.newConnection", Value: "true", Why: tool + " keeps its connections open"}
	}
	if p.Connections < 1 {
		return &PlanError{Tool: tool, Field: "load.connections", Value: strconv.Itoa(p.Connections), Why: "expected 1 or more"}
	}
	return checkWholeSeconds(tool, p)
}

// checkWholeSeconds rejects a duration or warmup that is not whole
// seconds, and a measured window shorter than a second: wrk, wrk2 and
// Nighthawk take their duration in whole seconds, and rounding it would
// measure a window other than the one asked for.
func checkWholeSeconds(tool string, p *Plan) error {
	if p.Duration%time.Second != 0 || p.Duration <= 0 {
		return &PlanError{Tool: tool, Field: "load.duration", Value: p.Duration.String(), Why: tool + " runs for whole seconds: expected a whole number of seconds"}
	}
	if p.Warmup%time.Second != 0 || p.Warmup < 0 {
		return &PlanError{Tool: tool, Field: "load.warmup", Value: p.Warmup.String(), Why: tool + " runs for whole seconds: expected a whole number of seconds"}
	}
	if p.Duration-p.Warmup < time.Second {
		return &PlanError{Tool: tool, Field: "load.warmup", Value: p.Warmup.String(), Why: fmt.Sprintf("expected at least 1s less than load.duration (%v)", p.Duration)}
	}
	return nil
}

// ceilSeconds is d in whole seconds, rounded up, at least 1.
func ceilSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// resolveBinary is the tool's binary: looked up (Find) when the operating
// system runs it, else the path or name as given (a test's Cmder).
func resolveBinary(o Options, name string) (string, error) {
	if _, ok := o.Cmder.(Exec); ok || o.Cmder == nil {
		return Find(name, o.Path)
	}
	if o.Path != "" {
		return o.Path, nil
	}
	return Binary(name), nil
}

// wrkRun is one measured run of wrk or wrk2.
type wrkRun struct {
	summary *WrkSummary
	out     *Output
	argv    []string
	version string
	start   time.Time
	window  time.Duration
	partial bool
}

// runWrkFamily runs tool (wrk or wrk2) for p: the warmup as a run of its
// own, then the measured run, whose summary parse reads. extra are the
// tool's own flags (wrk2's rate).
func runWrkFamily(ctx context.Context, o Options, tool string, p *Plan, extra []string, parse func([]byte) (*WrkSummary, error)) (*wrkRun, error) {
	if o.Cmder == nil {
		o.Cmder = Exec{}
	}
	bin, err := resolveBinary(o, tool)
	if err != nil {
		return nil, err
	}
	script, err := writeWrkScript(o.Work, p)
	if err != nil {
		return nil, fmt.Errorf("load generator %s: %w", tool, err)
	}
	if script != "" {
		defer func() { _ = os.Remove(script) }()
	}
	argv := func(d time.Duration) []string {
		a := []string{bin,
			"-t", strconv.Itoa(min(p.Connections, runtime.NumCPU())),
			"-c", strconv.Itoa(p.Connections),
			"-d", strconv.Itoa(int(d/time.Second)) + "s"}
		a = append(a, extra...)
		if p.Timeout > 0 {
			a = append(a, "--timeout", strconv.Itoa(ceilSeconds(p.Timeout))+"s")
		}
		a = append(a, "--latency")
		if script != "" {
			a = append(a, "-s", script)
		}
		keys := make([]string, 0, len(p.Headers))
		for k := range p.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a = append(a, "-H", k+": "+p.Headers[k])
		}
		return append(a, p.URL)
	}
	r := &wrkRun{version: wrkVersion(ctx, o.Cmder, bin)}
	if p.Warmup > 0 {
		if err := warmup(ctx, o.Cmder, tool, argv(p.Warmup)); err != nil {
			return nil, err
		}
	}
	r.window = p.Duration - p.Warmup
	r.argv = argv(r.window)
	r.start = time.Now()
	out, err := o.Cmder.Run(ctx, Cmd{Argv: r.argv})
	switch {
	case err != nil && ctx.Err() != nil && out != nil:
		// Stopped: wrk prints what it measured on SIGINT.
		r.partial = true
	case err != nil:
		return nil, fmt.Errorf("load generator %s: %w", tool, err)
	case out.ExitCode != 0:
		return nil, &ToolError{Tool: tool, Command: r.argv, ExitCode: out.ExitCode, Why: fmt.Sprintf("it exited with status %d", out.ExitCode), Tail: tail(out)}
	}
	r.out = out
	s, perr := parse(out.Stdout)
	if perr != nil {
		if r.partial {
			return nil, fmt.Errorf("load generator %s: stopped before it printed its summary: %w", tool, ctx.Err())
		}
		return nil, &ToolError{Tool: tool, Command: r.argv, ExitCode: out.ExitCode, Why: "cannot read its output: " + perr.Error(), Tail: tail(out)}
	}
	r.summary = s
	if s.Seconds > 0 {
		r.window = time.Duration(s.Seconds * float64(time.Second))
	}
	return r, nil
}

// wrkVersion asks the tool its version ("wrk 4.1.0 [epoll] Copyright
// ..."; wrk exits 1 after printing it); "" when it does not say.
func wrkVersion(ctx context.Context, c Cmder, bin string) string {
	out, err := c.Run(ctx, Cmd{Argv: []string{bin, "-v"}})
	if err != nil || out == nil {
		return ""
	}
	m := regexp.MustCompile(`(?m)^wrk (\S+)`).FindSubmatch(append(append([]byte{}, out.Stdout...), out.Stderr...))
	if m == nil {
		return ""
	}
	return string(m[1])
}

// writeWrkScript writes the Lua script that sets the request's method
// and body (wrk and wrk2 have no flags for them) into dir, and returns
// its path; "" when the request is a plain GET without a body.
func writeWrkScript(dir string, p *Plan) (string, error) {
	method := strings.ToUpper(p.Method)
	if (method == "" || method == "GET") && len(p.Body) == 0 {
		return "", nil
	}
	if method == "" {
		method = "GET"
	}
	f, err := os.CreateTemp(dir, "smp-wrk-*.lua")
	if err != nil {
		return "", fmt.Errorf("write the request's script: %w", err)
	}
	s := "-- written by smp: the request's method and body\nwrk.method = " + luaString([]byte(method)) + "\n"
	if len(p.Body) > 0 {
		s += "wrk.body = " + luaString(p.Body) + "\n"
	}
	_, werr := f.WriteString(s)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("write the request's script: %w", werr)
	}
	return f.Name(), nil
}

// luaString quotes b as a Lua string literal: printable ASCII as is,
// every other byte (and the quote and backslash) as a decimal escape.
func luaString(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "\\%03d", c)
	}
	sb.WriteByte('"')
	return sb.String()
}

// wrkCounts fills r's counts from s: the responses wrk completed, plus
// the requests lost to connect, read and write errors; the errors are
// those and the responses of 400 and up. wrk counts a response that took
// longer than --timeout both as a request and as a timeout error (and
// leaves it out of its latency statistics); a connection closed before
// the answer is a read error and a request lost (testdata/wrk has both).
func wrkCounts(r *record.Result, s *WrkSummary) {
	r.Requests = s.Requests + s.Connect + s.Read + s.Write
	r.Sent = r.Requests
	r.BytesReceived = s.BytesRead
	for kind, n := range map[string]int64{
		KindHTTPError: s.Non2xx, load.KindRefused: s.Connect, load.KindReset: s.Read + s.Write, load.KindTimeout: s.Timeout,
	} {
		if n > 0 {
			r.ErrorKinds[kind] += n
			r.Errors += n
		}
	}
}
