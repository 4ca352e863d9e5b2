package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// vegetaGen drives vegeta attack (github.com/tsenart/vegeta/v12). Vegeta
// writes every request's result (send time, latency in ns, status, error)
// to a file, which vegeta encode turns into one JSON object a line, read
// a line at a time: the histogram holds every latency, exact to the ns.
// Vegeta times each request from its actual send. One run: the requests
// sent before the end of the warmup are left out (WarmupByTimestamp).
type vegetaGen struct{ o Options }

var _ Generator = (*vegetaGen)(nil)

func newVegeta(o Options) Generator { return &vegetaGen{o: o} }

// WarmupByTimestamp is record.Generator.Warmup for tools that print every
// request's send time: one run, the requests sent before load.warmup had
// passed since the first one left out.
const WarmupByTimestamp = "one run; requests sent within load.warmup of the run's first request are left out of the figures"

// Name implements Generator.
func (*vegetaGen) Name() string { return Vegeta }

// Check implements Generator.
func (*vegetaGen) Check(p *Plan) error {
	if err := checkCommon(Vegeta, p); err != nil {
		return err
	}
	if err := supported(Vegeta, "load.protocol", p.Protocol, []string{"", "http1", "h2c", "http2"},
		"vegeta sends HTTP only (HTTP/1.1, h2c, HTTP/2 over TLS)"); err != nil {
		return err
	}
	if p.Rate > 0 && p.Rate < 0.001 {
		return &PlanError{Tool: Vegeta, Field: "load.rate", Value: formatFloat(p.Rate), Why: "vegeta paces at 0.001 requests/s or more here"}
	}
	if strings.ContainsAny(p.URL, " \n") || p.URL == "" {
		return &PlanError{Tool: Vegeta, Field: "workload.url", Value: fmt.Sprintf("%q", p.URL), Why: "expected a URL without spaces"}
	}
	return nil
}

// vegetaRate is vegeta's -rate for r requests/s: whole requests per
// second, or thousandths of a request per second as requests per 1000 s.
func vegetaRate(r float64) string {
	if r == math.Trunc(r) {
		return fmt.Sprintf("%d/1s", int64(r))
	}
	return fmt.Sprintf("%d/1000s", int64(math.Round(r*1000)))
}

// attackArgs is vegeta attack's command line for p, writing its results
// to outPath and sending the body in bodyPath ("": none).
func (*vegetaGen) attackArgs(bin string, p *Plan, outPath, bodyPath string) []string {
	c := fmt.Sprint(p.Connections)
	a := []string{bin, "attack",
		"-duration", p.Duration.String(),
		"-workers", c, "-connections", c, "-max-connections", c,
		"-max-body", "0", // keep no response bodies in the results
		"-output", outPath,
	}
	if p.Rate > 0 {
		a = append(a, "-rate", vegetaRate(p.Rate))
	} else {
		// Closed loop: as fast as the workers go, one request each.
		a = append(a, "-rate", "0", "-max-workers", c)
	}
	if p.Timeout > 0 {
		a = append(a, "-timeout", p.Timeout.String())
	}
	switch p.Protocol {
	case "h2c":
		a = append(a, "-h2c")
	case "http2":
		a = append(a, "-http2")
	default:
		a = append(a, "-http2=false")
	}
	if p.NewConnection {
		a = append(a, "-keepalive=false")
	}
	a = append(a, headerArgs("-header", p.Headers)...)
	if bodyPath != "" {
		a = append(a, "-body", bodyPath)
	}
	if t := p.TLS; t != nil {
		if t.CACert != "" {
			a = append(a, "-root-certs", t.CACert)
		}
		if t.Cert != "" {
			a = append(a, "-cert", t.Cert, "-key", t.Key)
		}
		if t.Insecure {
			a = append(a, "-insecure")
		}
		if t.SessionReuse {
			a = append(a, "-session-tickets")
		}
	}
	return a
}

// vegetaTarget is the target line vegeta attack reads on its input.
func vegetaTarget(p *Plan) string {
	m := p.Method
	if m == "" {
		m = "GET"
	}
	return m + " " + p.URL + "\n"
}

// Run implements Generator.
func (v *vegetaGen) Run(ctx context.Context, p *Plan) (*record.Result, error) {
	if err := v.Check(p); err != nil {
		return nil, err
	}
	bin, err := binary(Vegeta, v.o)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(v.o.Work, "vegeta-")
	if err != nil {
		return nil, fmt.Errorf("load generator vegeta: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bodyPath := ""
	if len(p.Body) > 0 {
		bodyPath = filepath.Join(dir, "body")
		if err := os.WriteFile(bodyPath, p.Body, 0o600); err != nil {
			return nil, fmt.Errorf("load generator vegeta: %w", err)
		}
	}
	ver := version(ctx, v.o.Cmder, []string{bin, "-version"}, vegetaVersion)
	if ver == "" {
		ver = moduleVersion(bin)
	}
	binPath, jsonPath := filepath.Join(dir, "results.bin"), filepath.Join(dir, "results.json")
	argv := v.attackArgs(bin, p, binPath, bodyPath)
	out, err := v.o.Cmder.Run(ctx, Cmd{Argv: argv, Stdin: strings.NewReader(vegetaTarget(p))})
	partial := stopped(ctx, out, err)
	if err != nil && !partial {
		return nil, fmt.Errorf("load generator vegeta: %w", err)
	}
	if out.ExitCode != 0 && !partial {
		return nil, &ToolError{Tool: Vegeta, Command: argv, ExitCode: out.ExitCode, Why: "vegeta attack failed", Tail: tail(out)}
	}
	enc := []string{bin, "encode", "--to", "json", "--output", jsonPath, binPath}
	// What an interrupted attack wrote is still encoded (briefly).
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), encodeTimeout)
	defer cancel()
	eout, err := v.o.Cmder.Run(ectx, Cmd{Argv: enc})
	if err != nil {
		return nil, fmt.Errorf("load generator vegeta: encode: %w", err)
	}
	if eout.ExitCode != 0 {
		return nil, &ToolError{Tool: Vegeta, Command: enc, ExitCode: eout.ExitCode, Why: "vegeta encode failed", Tail: tail(eout)}
	}
	f, err := os.Open(jsonPath)
	if err != nil {
		return nil, &ToolError{Tool: Vegeta, Command: enc, Why: "it wrote no results: " + err.Error(), Tail: tail(eout)}
	}
	defer func() { _ = f.Close() }()
	g := record.Generator{Name: Vegeta, Version: ver, LatencyClock: record.ClockActual, Resolution: time.Nanosecond,
		Histogram: record.HistNative, Warmup: WarmupByTimestamp, Command: argv}
	res, err := parseVegeta(f, p, g, out)
	if err != nil {
		return nil, &ToolError{Tool: Vegeta, Command: argv, Why: "its results cannot be read: " + err.Error(), Tail: tail(out)}
	}
	if partial {
		markPartial(res)
	}
	return res, nil
}

// vegetaVersion is the version vegeta -version prints on its
// "Version:" line.
func vegetaVersion(s string) string {
	for l := range strings.Lines(s) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// vegetaResult is the part of one line of vegeta encode --to json that
// smp reads.
type vegetaResult struct {
	Timestamp time.Time `json:"timestamp"`
	Latency   int64     `json:"latency"` // ns
	Code      int       `json:"code"`
	BytesIn   int64     `json:"bytes_in"`
	Error     string    `json:"error"`
	// Headers are the response's: with -max-body 0, bytes_in is 0 and
	// the body's length is its Content-Length.
	Headers map[string][]string `json:"headers"`
}

// bodyBytes is the response body's length: bytes_in, else its
// Content-Length (vegeta keeps no body with -max-body 0).
func (v *vegetaResult) bodyBytes() int64 {
	if v.BytesIn > 0 {
		return v.BytesIn
	}
	for _, s := range v.Headers["Content-Length"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// encodeTimeout bounds vegeta encode, which also runs after an
// interruption to keep what the attack measured.
const encodeTimeout = time.Minute

// maxVegetaLine bounds one line of vegeta's JSON results (its response
// headers are in it).
const maxVegetaLine = 4 << 20

// parseVegeta reads vegeta's JSON results (one object a line) twice: to
// find the first request's send time, then to add up the requests sent
// from the end of the warmup (the first one's time plus p.Warmup) to the
// end of the run (plus p.Duration), the window.
func parseVegeta(f io.ReadSeeker, p *Plan, g record.Generator, out *Output) (*record.Result, error) {
	var first time.Time
	n := 0
	err := eachVegeta(f, func(v *vegetaResult) error {
		if n++; n == 1 || v.Timestamp.Before(first) {
			first = v.Timestamp
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("no requests in the results")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	start := first.Add(p.Warmup).UTC()
	end := first.Add(p.Duration)
	r := newResult(g, p, start, p.Duration-p.Warmup, out)
	t := newTally(r)
	err = eachVegeta(f, func(v *vegetaResult) error {
		if v.Timestamp.Before(start) || !v.Timestamp.Before(end) {
			return nil
		}
		if v.Latency < 0 || v.BytesIn < 0 {
			return fmt.Errorf("latency %d ns, bytes_in %d: expected 0 or more", v.Latency, v.BytesIn)
		}
		kind := ""
		if v.Code == 0 {
			kind = errorKind(v.Error)
		}
		r.BytesReceived += v.bodyBytes()
		t.add(v.Timestamp.Sub(start), v.Code, kind, time.Duration(v.Latency))
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.finish()
	return r, nil
}

// eachVegeta calls fn with every line of vegeta's JSON results.
func eachVegeta(f io.Reader, fn func(*vegetaResult) error) error {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxVegetaLine)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var v vegetaResult
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if err := fn(&v); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("after line %d: %w", line, err)
	}
	return nil
}

// moduleVersion is the version of the Go module a binary was built from
// (for tools that print an empty version when built with go install),
// "" when it is not a Go binary or not found.
func moduleVersion(bin string) string {
	p, err := exec.LookPath(bin)
	if err != nil {
		return ""
	}
	bi, err := buildinfo.ReadFile(p)
	if err != nil || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
}
