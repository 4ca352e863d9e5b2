package loadjob

import (
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/spec"
)

func TestShareConnections(t *testing.T) {
	for _, tc := range []struct{ total, n int }{{3, 3}, {8, 3}, {10, 4}, {1, 1}, {100, 7}} {
		sum, lo, hi := 0, tc.total, 0
		for i := range tc.n {
			c := ShareConnections(tc.total, tc.n, i)
			sum += c
			lo, hi = min(lo, c), max(hi, c)
		}
		if sum != tc.total || lo < 1 || hi-lo > 1 {
			t.Errorf("%d over %d: sum %d, shares %d..%d", tc.total, tc.n, sum, lo, hi)
		}
	}
}

func testSpec(t *testing.T, load string) *spec.Test {
	t.Helper()
	ts, err := spec.Parse([]byte(`apiVersion: smp/v1alpha1
kind: Test
metadata: {name: split}
workload: {url: "http://127.0.0.1:1/"}
load:
`+load+`
meshes: [{name: baseline, type: none}]
`), "split.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestSplitRates(t *testing.T) {
	tests := []struct {
		name, load string
		check      func(t *testing.T, s *spec.Test)
	}{
		{"constant", "  connections: 8\n  rate: 300\n", func(t *testing.T, s *spec.Test) {
			if s.Load.Rate != 100 {
				t.Errorf("rate %v", s.Load.Rate)
			}
		}},
		{"poisson", "  connections: 8\n  rate: 300\n  arrival: {type: poisson, seed: 7}\n", func(t *testing.T, s *spec.Test) {
			if s.Load.Rate != 100 || s.Load.Arrival.Seed != 8 {
				t.Errorf("rate %v seed %d; want 100, 8", s.Load.Rate, s.Load.Arrival.Seed)
			}
		}},
		{"ramp", "  connections: 8\n  rate: 300\n  arrival: {type: ramp, from: 30, to: 600}\n", func(t *testing.T, s *spec.Test) {
			if s.Load.Arrival.From != 10 || s.Load.Arrival.To != 200 {
				t.Errorf("ramp %v..%v", s.Load.Arrival.From, s.Load.Arrival.To)
			}
		}},
		{"step", "  connections: 8\n  rate: 300\n  arrival: {type: step, steps: [{rate: 30, duration: 1s}, {rate: 90, duration: 2s}]}\n", func(t *testing.T, s *spec.Test) {
			st := s.Load.Arrival.Steps
			if len(st) != 2 || st[0].Rate != 10 || st[1].Rate != 30 || st[1].Duration.D() != 2*time.Second {
				t.Errorf("steps %+v", st)
			}
		}},
		{"sine", "  connections: 8\n  rate: 300\n  arrival: {type: sine, amplitude: 150, period: 2s}\n", func(t *testing.T, s *spec.Test) {
			if s.Load.Rate != 100 || s.Load.Arrival.Amplitude != 50 {
				t.Errorf("sine %v±%v", s.Load.Rate, s.Load.Arrival.Amplitude)
			}
		}},
		{"closed", "  connections: 8\n  rate: 0\n", func(t *testing.T, s *spec.Test) {
			if s.Load.Rate != 0 {
				t.Errorf("rate %v", s.Load.Rate)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := testSpec(t, tc.load)
			before := *ts
			s, err := Split(ts, 3, 1)
			if err != nil {
				t.Fatal(err)
			}
			if s.Load.Connections != 3 { // 8 over 3: 3, 3, 2
				t.Errorf("connections %d, want 3", s.Load.Connections)
			}
			tc.check(t, s)
			if ts.Load.Rate != before.Load.Rate || ts.Load.Connections != 8 ||
				(len(ts.Load.Arrival.Steps) > 0 && ts.Load.Arrival.Steps[0].Rate != 30) {
				t.Error("Split changed its argument")
			}
		})
	}
}

func TestSplitRejects(t *testing.T) {
	ts := testSpec(t, "  connections: 2\n  rate: 300\n")
	for _, tc := range []struct {
		n, i int
		want string
	}{{3, 0, "load.connections 2"}, {0, 0, "clients 0"}, {2, 2, "client index 2"}, {2, -1, "client index -1"}} {
		if _, err := Split(ts, tc.n, tc.i); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Split(%d, %d) = %v, want an error naming %q", tc.n, tc.i, err, tc.want)
		}
	}
	if s, err := Split(ts, 1, 0); err != nil || s.Load.Rate != 300 || s.Load.Connections != 2 {
		t.Errorf("one client: %v, %v", s, err)
	}
}
