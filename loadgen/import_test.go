package loadgen

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// Each tool's output (captured from the tools, but Nighthawk's: see
// testdata/nighthawk/README.md) is recognized by its content and read
// with the adapter's own parser and normalization.
func TestImport(t *testing.T) {
	t.Parallel()
	ended := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		file, tool, url string
		conns           int
		requests        int64
		clock, hist     string
	}{
		{"wrk/wrk.txt", WRK, "http://127.0.0.1:18931/", 16, 80135, record.ClockActual, record.HistReconstructed},
		{"wrk2/stall-R2000-c8-latency.txt", WRK2, "http://127.0.0.1:18090/", 8, 19971, record.ClockIntended, record.HistReconstructed},
		{"nighthawk/ok-rps1000-c4-concurrency2.json", Nighthawk, "", 4, 5000, record.ClockActual, record.HistReconstructed},
		{"vegeta/attack.json", Vegeta, "", 0, 400, record.ClockActual, record.HistNative},
		{"hey/run.csv", Hey, "", 0, 400, record.ClockActual, record.HistNative},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		im, err := Import(data, ended)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		r := im.Result
		if im.Tool != c.tool || im.URL != c.url || im.Connections != c.conns || r.Requests != c.requests {
			t.Errorf("%s: tool %s url %q connections %d requests %d; want %s %q %d %d", c.file, im.Tool, im.URL, im.Connections, r.Requests, c.tool, c.url, c.conns, c.requests)
		}
		if g := r.Generator; g == nil || g.Name != c.tool || g.LatencyClock != c.clock || g.Histogram != c.hist {
			t.Errorf("%s: generator %+v", c.file, g)
		}
		if r.Latency.Count() == 0 || im.Duration <= 0 || !r.End.After(r.Start) {
			t.Errorf("%s: %d latencies, duration %v, window [%v, %v]", c.file, r.Latency.Count(), im.Duration, r.Start, r.End)
		}
		// Nighthawk's connections and rate are per event loop (2 here).
		if c.tool == Nighthawk && im.Rate != 1000 {
			t.Errorf("%s: rate %v, want 2 × 500", c.file, im.Rate)
		}
		// Outputs without times of their own end when the file does.
		if c.tool == WRK || c.tool == WRK2 || c.tool == Hey {
			if !r.End.Equal(ended) && r.End.Sub(ended).Abs() > time.Second {
				t.Errorf("%s: window ends %v, want about %v", c.file, r.End, ended)
			}
		}
	}
	if _, err := Import([]byte("hello"), ended); !errors.Is(err, ErrUnknownOutput) {
		t.Errorf("unknown data: %v, want ErrUnknownOutput", err)
	}
	if _, err := Import([]byte("Running 1s test @ http://x/\n 1 requests in 1.00s\n"), ended); err == nil || errors.Is(err, ErrUnknownOutput) {
		t.Errorf("a wrk summary without percentiles: %v, want wrk's parse error", err)
	}
}

// FuzzImport: whatever the input, Import returns a result or an error,
// never panics.
func FuzzImport(f *testing.F) {
	for _, file := range []string{"wrk/wrk.txt", "wrk2/nginx-R2000-c8-latency.txt", "nighthawk/errors-rps500.json", "vegeta/refused.json", "hey/run.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := Import(data, time.Unix(1e9, 0))
		if err == nil && (im.Result == nil || im.Result.Generator == nil) {
			t.Fatalf("no error and no result: %+v", im)
		}
	})
}
