package record

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
)

// TestMergePooled: merging three clients gives the counts and percentiles
// of all their requests pooled, the whole window, the summed rate and each
// client's figures.
func TestMergePooled(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pooled := hist.New()
	var rs []*Result
	for i := range 3 {
		r := NewResult()
		// Client 1 starts 300 ms late; client 2 ends 200 ms late.
		r.Start = t0.Add(time.Duration(map[int]int{1: 300}[i]) * time.Millisecond)
		r.End = t0.Add(time.Duration(5000+map[int]int{2: 200}[i]) * time.Millisecond)
		r.RequestedRate = 100
		n := 400 + 100*i
		r.Requests, r.Sent, r.StatusCodes[200] = int64(n), int64(n), int64(n)
		for range n {
			d := time.Duration((1 + float64(i)) * rng.ExpFloat64() * float64(time.Millisecond))
			r.Latency.Record(d)
			pooled.Record(d)
			r.SendLag.Record(time.Duration(i+1) * time.Millisecond)
		}
		r.Timeline = []Interval{{Start: 0, Requests: 1, P99: time.Duration(i+1) * time.Millisecond}, {Start: time.Second, Requests: 2, P50: 5}}
		r.Client = ClientUsage{CPUTime: time.Second, CPUMcores: 200, MaxRSSMB: float64(10 + i)}
		r.Driver = "eventloop"
		r.Clients = []ClientShare{{Index: 2 - i, Pod: "pod", StartLate: time.Duration(i) * time.Millisecond}}
		rs = append(rs, r)
	}
	m, err := Merge(rs)
	if err != nil {
		t.Fatal(err)
	}
	if m.Requests != 1500 || m.Latency.Count() != 1500 || m.StatusCodes[200] != 1500 {
		t.Errorf("merged requests %d, latency count %d; want 1500", m.Requests, m.Latency.Count())
	}
	for _, p := range []float64{50, 90, 99, 99.9, 100} {
		if m.Latency.Quantile(p) != pooled.Quantile(p) {
			t.Errorf("p%v: merged %v, pooled %v", p, m.Latency.Quantile(p), pooled.Quantile(p))
		}
	}
	if !m.Start.Equal(t0) || m.End != t0.Add(5200*time.Millisecond) {
		t.Errorf("window [%v, %v]", m.Start, m.End)
	}
	if m.RequestedRate != 300 || m.AchievedRate() != 1500/5.2 {
		t.Errorf("requested %v, achieved %v; want 300, %v", m.RequestedRate, m.AchievedRate(), 1500/5.2)
	}
	if m.Client.CPUTime != 3*time.Second || m.Client.CPUMcores != 600 || m.Client.MaxRSSMB != 12 || m.Driver != "eventloop" {
		t.Errorf("usage %+v driver %q", m.Client, m.Driver)
	}
	if len(m.Clients) != 3 {
		t.Fatalf("clients %+v", m.Clients)
	}
	for i, c := range m.Clients {
		src := rs[2-i] // indexes were given in reverse
		if c.Index != i || c.Requests != src.Requests || c.SendLagP99 != src.SendLag.Quantile(99) ||
			c.AchievedRate != src.AchievedRate() || c.StartLate != src.Clients[0].StartLate || !c.Start.Equal(src.Start) {
			t.Errorf("client %d: %+v", i, c)
		}
	}
	// Client 1's intervals, 300 ms late, round to the same intervals.
	if len(m.Timeline) != 2 || m.Timeline[0].Requests != 3 || m.Timeline[1].Requests != 6 ||
		m.Timeline[0].P99 != 3*time.Millisecond || m.Timeline[1].Start != time.Second {
		t.Errorf("timeline %+v", m.Timeline)
	}
	if rs[0].Requests != 400 || rs[0].Latency.Count() != 400 {
		t.Error("Merge changed its input")
	}
	if _, err := Merge(nil); err == nil {
		t.Error("Merge(nil): no error")
	}
}
