package loadgen

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// Imported is a tool's output file read back: the result, and what the
// output says of the run that made it (zero where it says nothing).
type Imported struct {
	Tool   string
	Result *record.Result
	// URL, Connections and Rate are the run's, where the output names
	// them; Duration is the measured window.
	URL         string
	Connections int
	Rate        float64
	Duration    time.Duration
	// Notes say what the output does not record (the requested rate of a
	// vegeta run, say).
	Notes []string
}

// ErrUnknownOutput is returned by Import for data that is none of the
// outputs it reads.
var ErrUnknownOutput = errors.New("not a load generator output smp reads")

// Import reads what a tool wrote of a run: wrk's or wrk2's text summary
// (wrk2's with --latency), Nighthawk's JSON output, vegeta's JSON results
// (vegeta encode --to json) or hey's CSV (-o csv). Fortio's JSON result is
// read by package report/format/fortio. ended is when the run ended
// (a file's modification time), for the outputs that carry no time of
// their own; the whole output is the window (no warmup is cut).
func Import(data []byte, ended time.Time) (*Imported, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("Running ")) && bytes.Contains(trimmed, []byte(" requests in ")):
		return importWrk(trimmed, ended)
	case bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(trimmed, []byte(nighthawkLatencyID)):
		return importNighthawk(trimmed, ended)
	case bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(firstLine(trimmed), []byte(`"timestamp"`)) && bytes.Contains(firstLine(trimmed), []byte(`"latency"`)):
		return importVegeta(trimmed)
	case bytes.HasPrefix(trimmed, []byte("response-time,")):
		return importHey(trimmed, ended)
	}
	return nil, fmt.Errorf("%w: expected wrk's or wrk2's text summary, Nighthawk's JSON output, vegeta's JSON results (vegeta encode --to json) or hey's CSV (-o csv)", ErrUnknownOutput)
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// wrk's and wrk2's header: "Running 10s test @ URL" and
// "  2 threads and 16 connections".
var (
	wrkRunning = regexp.MustCompile(`(?m)^Running (\S+) test @ (\S+)`)
	wrkConns   = regexp.MustCompile(`(?m)^\s*\d+ threads and (\d+) connections`)
)

func importWrk(data []byte, ended time.Time) (*Imported, error) {
	im := &Imported{Tool: WRK}
	if m := wrkRunning.FindSubmatch(data); m != nil {
		im.URL = string(m[2])
	}
	if m := wrkConns.FindSubmatch(data); m != nil {
		im.Connections, _ = strconv.Atoi(string(m[1]))
	}
	parse := ParseWrk
	if bytes.Contains(data, []byte("Detailed Percentile spectrum")) {
		im.Tool, parse = WRK2, ParseWrk2
	}
	s, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s output: %w", im.Tool, err)
	}
	im.Duration = time.Duration(s.Seconds * float64(time.Second))
	run := &wrkRun{summary: s, start: ended.Add(-im.Duration), window: im.Duration}
	p := &Plan{URL: im.URL, Connections: im.Connections, Duration: im.Duration}
	if im.Tool == WRK2 {
		// wrk2 prints no rate: its Requests/sec is what it achieved.
		im.Notes = append(im.Notes, "wrk2's output does not say the rate it was asked for (-R): the requested rate is left 0")
		im.Result, err = wrk2Result(run, p)
	} else {
		im.Result, err = wrkResult(run, p)
	}
	if err != nil {
		return nil, err
	}
	im.Result.Generator.Warmup = "none cut: the whole output is the window"
	return im, nil
}

func importNighthawk(data []byte, ended time.Time) (*Imported, error) {
	nh, err := parseNighthawk(data)
	if err != nil {
		return nil, fmt.Errorf("nighthawk output: %w", err)
	}
	im := &Imported{Tool: Nighthawk}
	var opts struct {
		Options struct {
			URI         string  `json:"uri"`
			Connections pbUint  `json:"connections"`
			RPS         float64 `json:"requests_per_second"`
			Concurrency string  `json:"concurrency"`
		} `json:"options"`
	}
	// The options only name the run: the result is read above.
	_ = json.Unmarshal(data[bytes.IndexByte(data, '{'):], &opts)
	// Connections and rate are each event loop's (--concurrency of them).
	im.URL = opts.Options.URI
	if n, err := strconv.Atoi(opts.Options.Concurrency); err == nil && n > 0 {
		im.Connections, im.Rate = int(opts.Options.Connections)*n, opts.Options.RPS*float64(n)
	} else if opts.Options.Connections > 0 {
		im.Notes = append(im.Notes, fmt.Sprintf("Nighthawk's concurrency %q is not a number: the connections and rate of its event loops are not added up (left 0)", opts.Options.Concurrency))
	}
	p := &Plan{URL: im.URL, Connections: im.Connections, Rate: im.Rate}
	im.Result, err = nighthawkResultOf(nh, p, nil, nil, ended.Add(-nh.window), nh.window)
	if err != nil {
		return nil, fmt.Errorf("nighthawk output: %w", err)
	}
	im.Duration = im.Result.End.Sub(im.Result.Start)
	im.Result.Generator.Warmup = "none cut: the whole output is the window"
	return im, nil
}

func importVegeta(data []byte) (*Imported, error) {
	var first, last time.Time
	n := 0
	err := eachVegeta(bytes.NewReader(data), func(v *vegetaResult) error {
		if n++; n == 1 || v.Timestamp.Before(first) {
			first = v.Timestamp
		}
		if v.Timestamp.After(last) {
			last = v.Timestamp
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("vegeta results: %w", err)
	}
	if n == 0 {
		return nil, errors.New("vegeta results: no requests")
	}
	// The window runs to the last send, and one mean gap beyond it.
	window := last.Sub(first)
	if n > 1 {
		window += window / time.Duration(n-1)
	}
	window = max(window, time.Nanosecond)
	p := &Plan{Duration: window}
	g := record.Generator{Name: Vegeta, LatencyClock: record.ClockActual, Resolution: time.Nanosecond,
		Histogram: record.HistNative, Warmup: "none cut: the whole output is the window"}
	r, err := parseVegeta(bytes.NewReader(data), p, g, nil)
	if err != nil {
		return nil, fmt.Errorf("vegeta results: %w", err)
	}
	return &Imported{Tool: Vegeta, Result: r, Duration: window,
		Notes: []string{"vegeta's results do not say the rate, URL or connections of the attack: the requested rate is left 0"}}, nil
}

func importHey(data []byte, ended time.Time) (*Imported, error) {
	// The window is the offsets' span: up to the last request's.
	rd := csv.NewReader(bytes.NewReader(data))
	head, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("hey CSV: header: %w", err)
	}
	col := slices.Index(head, "offset")
	var last time.Duration
	for col >= 0 {
		rec, err := rd.Read()
		if err != nil {
			break // parseHey says what is wrong
		}
		if off, err := heySeconds(rec[col]); err == nil {
			last = max(last, off)
		}
	}
	window := max(last+time.Millisecond, time.Millisecond)
	p := &Plan{Duration: window}
	g := record.Generator{Name: Hey, LatencyClock: record.ClockActual, Resolution: 100 * time.Microsecond,
		Histogram: record.HistNative, Warmup: "none cut: the whole output is the window"}
	r, err := parseHey(bytes.NewReader(data), p, g, nil, ended.Add(-window))
	if err != nil {
		return nil, fmt.Errorf("hey CSV: %w", err)
	}
	return &Imported{Tool: Hey, Result: r, Duration: window,
		Notes: []string{"hey's CSV does not say the rate, URL or connections of the run, nor the requests that failed without an answer"}}, nil
}
