package loadgen

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// heyResolution is the unit of hey's CSV: seconds with four decimals.
const heyResolution = 100 * time.Microsecond

// heyGen drives hey (github.com/rakyll/hey, Debian's hey 0.1.4) with -o
// csv: one line per request that got a response, with its response time,
// status and offset from the run's start; the histogram holds every one
// (to hey's 0.1 ms). Hey times from the actual send.
//
// What hey cannot say: its CSV leaves out the requests that failed
// without a response (refused connections, timeouts, resets): they are
// neither counted nor errors here (only 4xx and 5xx are). It keeps at most
// 1,000,000 responses: a plan that could make more is rejected, and a
// CSV that reached the cap is an error. It prints no
// version. Its -q is a rate per worker (connection), paced by a ticker
// that drops the ticks a slow response misses, so the rate asked for is a
// ceiling: hey does not catch up. Its run starts when its process does;
// the window is taken from the moment smp starts it, and the requests
// sent in the warmup (by their offset) are left out.
type heyGen struct{ o Options }

var _ Generator = (*heyGen)(nil)

func newHey(o Options) Generator { return &heyGen{o: o} }

// WarmupByOffset is record.Generator.Warmup for hey: one run, the
// requests sent before load.warmup had passed since its start left out.
const WarmupByOffset = "one run; requests sent within load.warmup of the run's start (hey's offset) are left out of the figures"

// Name implements Generator.
func (*heyGen) Name() string { return Hey }

// heyMaxResults is how many responses hey keeps for its CSV (its
// maxRes): the ones after are dropped, uncounted.
const heyMaxResults = 1_000_000

// heyMaxRateError is how far the rate hey will pace at may be from the
// rate asked for (hey's per-worker interval is whole microseconds).
const heyMaxRateError = 0.001

// Check implements Generator.
func (*heyGen) Check(p *Plan) error {
	if err := checkCommon(Hey, p); err != nil {
		return err
	}
	if err := supported(Hey, "load.protocol", p.Protocol, []string{"", "http1", "http2"},
		"hey sends HTTP/1.1, or HTTP/2 over TLS (-h2); it has no h2c"); err != nil {
		return err
	}
	if p.Protocol == "http2" && !strings.HasPrefix(p.URL, "https://") {
		return &PlanError{Tool: Hey, Field: "workload.url", Value: p.URL, Why: "hey's HTTP/2 is over TLS only: expected an https URL"}
	}
	if t := p.TLS; t != nil {
		switch {
		case t.Cert != "" || t.Key != "":
			return &PlanError{Tool: Hey, Field: "load.tls.cert", Value: t.Cert, Why: "hey has no client certificates"}
		case t.CACert != "" && !t.Insecure:
			return &PlanError{Tool: Hey, Field: "load.tls.caCert", Value: t.CACert,
				Why: "hey never verifies the server's certificate (it has no CA option): set load.tls.insecure to say so"}
		case t.SessionReuse && p.NewConnection:
			return &PlanError{Tool: Hey, Field: "load.tls.sessionReuse", Value: "true", Why: "hey has no TLS session resumption"}
		}
	}
	if p.Timeout%time.Second != 0 {
		return &PlanError{Tool: Hey, Field: "load.timeout", Value: p.Timeout.String(), Why: "hey's -t is whole seconds"}
	}
	if n := p.Rate * p.Duration.Seconds(); n >= heyMaxResults {
		return &PlanError{Tool: Hey, Field: "load.duration", Value: p.Duration.String(),
			Why: fmt.Sprintf("hey keeps at most %d responses, and drops the rest uncounted: at %s requests/s, expected a run under %.0f s",
				heyMaxResults, formatFloat(p.Rate), heyMaxResults/p.Rate)}
	}
	if p.Rate > 0 {
		q := p.Rate / float64(p.Connections)
		if got := heyRate(q, p.Connections); q > 1e6 || math.Abs(got-p.Rate) > heyMaxRateError*p.Rate {
			return &PlanError{Tool: Hey, Field: "load.rate", Value: formatFloat(p.Rate),
				Why: fmt.Sprintf("hey paces each of the %d connections at -q %s/s, a whole number of µs apart: it would send %.6g requests/s; pick a rate per connection that divides 1,000,000 µs",
					p.Connections, formatFloat(q), got)}
		}
	}
	return nil
}

// heyRate is the rate hey paces c workers at with -q q: each worker's
// ticker is time.Duration(1e6/q) µs (truncated).
func heyRate(q float64, c int) float64 {
	us := math.Trunc(1e6 / q)
	if us <= 0 {
		return math.Inf(1)
	}
	return float64(c) * 1e6 / us
}

// args is hey's command line for p, sending the body in bodyPath ("":
// none).
func (*heyGen) args(bin string, p *Plan, bodyPath string) []string {
	a := []string{bin, "-z", p.Duration.String(), "-c", strconv.Itoa(p.Connections), "-o", "csv"}
	if p.Rate > 0 {
		a = append(a, "-q", formatFloat(p.Rate/float64(p.Connections)))
	}
	if p.Timeout > 0 {
		a = append(a, "-t", strconv.FormatInt(int64(p.Timeout/time.Second), 10))
	}
	if p.Method != "" {
		a = append(a, "-m", p.Method)
	}
	hs := map[string]string{}
	for k, v := range p.Headers {
		if strings.EqualFold(k, "host") {
			a = append(a, "-host", v) // Go's client takes the Host from the request, not a header
			continue
		}
		hs[k] = v
	}
	a = append(a, headerArgs("-H", hs)...)
	if bodyPath != "" {
		a = append(a, "-D", bodyPath)
	}
	if p.Protocol == "http2" {
		a = append(a, "-h2")
	}
	if p.NewConnection {
		a = append(a, "-disable-keepalive")
	}
	return append(a, p.URL)
}

// Run implements Generator.
func (h *heyGen) Run(ctx context.Context, p *Plan) (*record.Result, error) {
	if err := h.Check(p); err != nil {
		return nil, err
	}
	bin, err := binary(Hey, h.o)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(h.o.Work, "hey-")
	if err != nil {
		return nil, fmt.Errorf("load generator hey: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bodyPath := ""
	if len(p.Body) > 0 {
		bodyPath = filepath.Join(dir, "body")
		if err := os.WriteFile(bodyPath, p.Body, 0o600); err != nil {
			return nil, fmt.Errorf("load generator hey: %w", err)
		}
	}
	f, err := os.Create(filepath.Join(dir, "results.csv"))
	if err != nil {
		return nil, fmt.Errorf("load generator hey: %w", err)
	}
	defer func() { _ = f.Close() }()
	argv := h.args(bin, p, bodyPath)
	began := time.Now()
	out, err := h.o.Cmder.Run(ctx, Cmd{Argv: argv, Stdout: f})
	partial := stopped(ctx, out, err)
	if err != nil && !partial {
		return nil, fmt.Errorf("load generator hey: %w", err)
	}
	if out.ExitCode != 0 && !partial {
		return nil, &ToolError{Tool: Hey, Command: argv, ExitCode: out.ExitCode, Why: "hey failed", Tail: tail(out) + heyHead(f)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("load generator hey: %w", err)
	}
	g := record.Generator{Name: Hey, LatencyClock: record.ClockActual, Resolution: heyResolution,
		Histogram: record.HistNative, Warmup: WarmupByOffset, Command: argv}
	res, err := parseHey(f, p, g, out, began)
	if err != nil {
		return nil, &ToolError{Tool: Hey, Command: argv, Why: "its CSV cannot be read: " + err.Error(), Tail: tail(out) + heyHead(f)}
	}
	if partial {
		markPartial(res)
	}
	return res, nil
}

// heyHead is the start of what hey wrote to its standard output (held in
// a file), for an error.
func heyHead(f *os.File) string {
	b := make([]byte, 300)
	n, _ := f.ReadAt(b, 0)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; its output began: %q", b[:n])
}

// heyColumns are the columns of hey's CSV that smp reads.
var heyColumns = []string{"response-time", "status-code", "offset"}

// parseHey reads hey's CSV: requests whose offset is within the warmup, or
// past p.Duration (hey's last sends as it stops), are left out; the window
// starts at began (when hey was started) plus the warmup and lasts the
// rest of p.Duration.
func parseHey(f io.Reader, p *Plan, g record.Generator, out *Output, began time.Time) (*record.Result, error) {
	rd := csv.NewReader(f)
	rd.ReuseRecord = true
	head, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, name := range head {
		col[strings.TrimSpace(name)] = i
	}
	idx := make([]int, len(heyColumns))
	for i, name := range heyColumns {
		j, ok := col[name]
		if !ok {
			return nil, fmt.Errorf("header %q: expected a column %s", strings.Join(head, ","), name)
		}
		idx[i] = j
	}
	r := newResult(g, p, began.Add(p.Warmup).UTC(), p.Duration-p.Warmup, out)
	t := newTally(r)
	rows := 0
	for line := 2; ; line++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		lat, err1 := heySeconds(rec[idx[0]])
		status, err2 := strconv.Atoi(rec[idx[1]])
		off, err3 := heySeconds(rec[idx[2]])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if status < 100 || status > 999 {
			return nil, fmt.Errorf("line %d: status-code %d: expected an HTTP status", line, status)
		}
		if rows++; rows >= heyMaxResults {
			return nil, fmt.Errorf("%d responses: hey keeps at most %d and drops the rest uncounted; shorten load.duration or lower load.rate",
				rows, heyMaxResults)
		}
		if off < p.Warmup || off >= p.Duration {
			continue
		}
		t.add(off-p.Warmup, status, "", lat)
	}
	t.finish()
	return r, nil
}

// heySeconds reads one of hey's times: seconds, 0 to a day.
func heySeconds(s string) (time.Duration, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || v < 0 || v > 86400 {
		return 0, fmt.Errorf("time %q: expected 0 to 86400 s", s)
	}
	return time.Duration(math.Round(v * 1e9)), nil
}
