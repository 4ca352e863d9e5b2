package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// WrkSummary is what wrk and wrk2 print at the end of a run: the same
// text summary, wrk2's with a detailed percentile spectrum per latency
// it was asked for.
type WrkSummary struct {
	// Requests are the responses completed ("N requests in 1.10s").
	Requests int64
	// Seconds is how long the run took, as wrk measured it.
	Seconds float64
	// BytesRead is what was read ("12.61MB read"): wrk prints it in
	// binary units to two decimals, so it is approximate.
	BytesRead      int64
	RequestsPerSec float64
	// Non2xx counts "Non-2xx or 3xx responses": statuses of 400 and up
	// (wrk does not say which).
	Non2xx int64
	// The socket errors, zero when wrk printed no "Socket errors" line.
	Connect, Read, Write, Timeout int64
	// Max is the largest latency ("Thread Stats" Latency Max); 0 when not
	// printed.
	Max time.Duration
	// Percentiles are the --latency "Latency Distribution" lines of the
	// latency wrk records (wrk2: the corrected one), quantiles 0 to 1.
	Percentiles []Point
	// Recorded and Uncorrected are wrk2's "Detailed Percentile spectrum"
	// of its corrected latency (--latency) and of the uncorrected one
	// (--u_latency); nil when not printed (always nil for wrk).
	Recorded, Uncorrected *Spectrum
}

// Spectrum is a percentile spectrum and the number of values it
// describes.
type Spectrum struct {
	Points []Point
	Count  int64
}

// ParseWrk reads wrk's text summary, run with --latency: "N requests in",
// "Requests/sec:", the latency percentiles, and the error lines
// ("Non-2xx or 3xx responses: N", "Socket errors: connect N, read N,
// write N, timeout N") when present. It reads wrk2's summary too (see
// ParseWrk2 for its spectra).
func ParseWrk(out []byte) (*WrkSummary, error) {
	s, err := parseWrkText(out)
	if err != nil {
		return nil, err
	}
	if len(s.Percentiles) == 0 {
		return nil, errors.New(`no latency percentiles ("50%  1.00ms"): was wrk run without --latency?`)
	}
	return s, nil
}

// ParseWrk2 reads wrk2's text summary, run with --latency (and
// optionally --u_latency): ParseWrk's figures and the detailed spectra.
// The spectrum of the corrected latency must be there.
func ParseWrk2(out []byte) (*WrkSummary, error) {
	s, err := parseWrkText(out)
	if err != nil {
		return nil, err
	}
	if s.Recorded == nil {
		return nil, errors.New(`no "Detailed Percentile spectrum" of the recorded latency: was wrk2 run without --latency?`)
	}
	return s, nil
}

// wrkTimeUnit is one of the units wrk prints durations in.
func wrkTimeUnit(u string) time.Duration {
	switch u {
	case "us":
		return time.Microsecond
	case "ms":
		return time.Millisecond
	case "s":
		return time.Second
	case "m":
		return time.Minute
	}
	return time.Hour // "h", the only other unit the expressions match
}

// wrkByteUnit is one of the binary units wrk prints sizes in.
func wrkByteUnit(u string) float64 {
	return math.Pow(1024, float64(strings.Index("BKMGTP", u[:1])))
}

// wrkSection is a latency distribution in wrk's output: its percentile
// lines and, for wrk2, its spectrum.
type wrkSection struct {
	percentiles []Point
	spectrum    *Spectrum
	counts      []int64 // the spectrum's TotalCount column
	total       int64   // from "#[Max = ..., Total count = N]"; -1 when not printed
}

// parseWrkText reads the figures common to wrk and wrk2.
func parseWrkText(out []byte) (*WrkSummary, error) {
	var (
		reqLine    = regexp.MustCompile(`^\s*([0-9]+) requests in ([0-9.]+)(us|ms|s|m|h), ([0-9.]+)(B|KB|MB|GB|TB|PB) read\s*$`)
		rpsLine    = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)\s*$`)
		non2xxLine = regexp.MustCompile(`^\s*Non-2xx or 3xx responses:\s+([0-9]+)\s*$`)
		sockLine   = regexp.MustCompile(`^\s*Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)\s*$`)
		statsLine  = regexp.MustCompile(`^\s*Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s|m|h)\s+\S+\s*$`)
		pctLine    = regexp.MustCompile(`^\s*([0-9.]+)%\s+([0-9.]+)(us|ms|s|m|h)\s*$`)
		specLine   = regexp.MustCompile(`^\s*([0-9.]+)\s+([0-9.]+)\s+([0-9]+)\s+(?:[0-9.]+|inf)\s*$`)
		totalLine  = regexp.MustCompile(`^#\[Max\s*=\s*[0-9.]+,\s*Total count\s*=\s*([0-9]+)\]\s*$`)
	)
	s := &WrkSummary{}
	var sections []*wrkSection
	var cur *wrkSection
	var uncorrected *wrkSection
	haveReq, haveRPS := false, false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var err error
		switch {
		case strings.Contains(line, "Latency Distribution"):
			cur = &wrkSection{total: -1}
			sections = append(sections, cur)
			if strings.Contains(line, "Uncorrected") {
				uncorrected = cur
			}
		case reqLine.MatchString(line):
			m := reqLine.FindStringSubmatch(line)
			haveReq = true
			if s.Requests, err = wrkInt("the request count", m[1]); err != nil {
				return nil, err
			}
			d, err := wrkDuration("the run's length", m[2], m[3])
			if err != nil {
				return nil, err
			}
			s.Seconds = d.Seconds()
			b, err := wrkFloat("the bytes read", m[4])
			if err != nil {
				return nil, err
			}
			s.BytesRead = int64(math.Min(math.Round(b*wrkByteUnit(m[5])), math.MaxInt64/2))
		case rpsLine.MatchString(line):
			haveRPS = true
			if s.RequestsPerSec, err = wrkFloat("Requests/sec", rpsLine.FindStringSubmatch(line)[1]); err != nil {
				return nil, err
			}
		case non2xxLine.MatchString(line):
			if s.Non2xx, err = wrkInt("the non-2xx count", non2xxLine.FindStringSubmatch(line)[1]); err != nil {
				return nil, err
			}
		case sockLine.MatchString(line):
			m := sockLine.FindStringSubmatch(line)
			for i, p := range []*int64{&s.Connect, &s.Read, &s.Write, &s.Timeout} {
				if *p, err = wrkInt("the socket error counts", m[i+1]); err != nil {
					return nil, err
				}
			}
		case statsLine.MatchString(line) && s.Max == 0:
			m := statsLine.FindStringSubmatch(line)
			if s.Max, err = wrkDuration("the latency maximum", m[1], m[2]); err != nil {
				return nil, err
			}
		case pctLine.MatchString(line) && cur != nil:
			m := pctLine.FindStringSubmatch(line)
			q, err := wrkFloat("a latency percentile", m[1])
			if err != nil {
				return nil, err
			}
			v, err := wrkDuration("a latency percentile", m[2], m[3])
			if err != nil {
				return nil, err
			}
			cur.percentiles = append(cur.percentiles, Point{Quantile: q / 100, Value: v})
		case specLine.MatchString(line) && cur != nil:
			m := specLine.FindStringSubmatch(line)
			if _, err := wrkFloat("a spectrum percentile", m[2]); err != nil {
				return nil, err
			}
			n, err := wrkInt("a spectrum count", m[3])
			if err != nil {
				return nil, err
			}
			if cur.spectrum == nil {
				cur.spectrum = &Spectrum{}
			}
			v, err := wrkDuration("a spectrum value", m[1], "ms")
			if err != nil {
				return nil, err
			}
			cur.spectrum.Points = append(cur.spectrum.Points, Point{Value: v})
			cur.counts = append(cur.counts, n)
		case totalLine.MatchString(line) && cur != nil:
			if cur.total, err = wrkInt("a spectrum's total count", totalLine.FindStringSubmatch(line)[1]); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the output: %w", err)
	}
	if !haveReq {
		return nil, errors.New(`no "N requests in T, B read" line`)
	}
	if !haveRPS {
		return nil, errors.New(`no "Requests/sec:" line`)
	}
	for _, sec := range sections {
		if sec.spectrum == nil {
			continue
		}
		if sec.total < 0 {
			return nil, errors.New(`a percentile spectrum without its "#[Max = ..., Total count = N]" line`)
		}
		// The quantile of each row is its TotalCount (values at or below
		// its value) over the total: exact, where the Percentile column
		// is the percentile asked for, which the value's HDR bucket
		// overshoots by up to a bucket's count.
		sec.spectrum.Count = sec.total
		for i, n := range sec.counts {
			if n > sec.total || sec.total == 0 {
				return nil, fmt.Errorf("a spectrum row counts %d values of %d in all", n, sec.total)
			}
			sec.spectrum.Points[i].Quantile = float64(n) / float64(sec.total)
		}
		if sec == uncorrected {
			s.Uncorrected = sec.spectrum
		} else if s.Recorded == nil {
			s.Recorded = sec.spectrum
		}
	}
	for _, sec := range sections {
		if sec != uncorrected && len(sec.percentiles) > 0 {
			s.Percentiles = sec.percentiles
			break
		}
	}
	return s, nil
}

// wrkInt reads a count wrk printed; the expressions only match digits,
// so an error is a number too large to hold.
func wrkInt(what, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", what, v, err)
	}
	return n, nil
}

// wrkFloat reads a number wrk printed (digits and dots).
func wrkFloat(what, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s %q: expected a number", what, v)
	}
	return f, nil
}

// wrkDuration reads a duration wrk printed as a number and a unit.
func wrkDuration(what, v, unit string) (time.Duration, error) {
	f, err := wrkFloat(what, v)
	if err != nil {
		return 0, err
	}
	d := f * float64(wrkTimeUnit(unit))
	if d > float64(100*24*time.Hour) {
		return 0, fmt.Errorf("%s %s%s: expected less than 100 days", what, v, unit)
	}
	return time.Duration(math.Round(d)), nil
}
