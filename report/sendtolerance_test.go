package report

import (
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// The client says what it did to keep the schedule: the send tolerance
// applied, and the sends made early and batched, per iteration and pooled.
func TestClientSendTolerance(t *testing.T) {
	var rs []*record.Result
	for i, tol := range []time.Duration{200 * time.Microsecond, time.Millisecond} {
		r := record.NewResult()
		r.Start = time.Unix(1_700_000_000, 0)
		r.End = r.Start.Add(time.Second)
		r.Requests, r.Sent = 100, 100
		r.SendTolerance, r.Early, r.Batched = tol, int64(10+i), int64(20+i)
		r.Driver = "eventloop"
		rs = append(rs, r)
	}
	it, err := NewIteration(0, rs[0], Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := it.Client; c.SendToleranceMs != 0.2 || c.EarlySends != 10 || c.BatchedSends != 20 {
		t.Errorf("iteration client: tolerance %v ms, early %d, batched %d; want 0.2, 10, 20", c.SendToleranceMs, c.EarlySends, c.BatchedSends)
	}
	s, err := Summarize(rs, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Client; c.SendToleranceMs != 1 || c.EarlySends != 21 || c.BatchedSends != 41 {
		t.Errorf("summary client: tolerance %v ms, early %d, batched %d; want 1, 21, 41", c.SendToleranceMs, c.EarlySends, c.BatchedSends)
	}
}
