package record

import (
	"testing"
	"time"
)

func TestResultAdd(t *testing.T) {
	t.Parallel()
	sum := NewResult()
	a := NewResult()
	a.Requests, a.StatusCodes[200] = 2, 2
	a.Latency.Record(time.Millisecond)
	a.Latency.Record(2 * time.Millisecond)
	a.SendLag.Record(time.Microsecond)
	b := NewResult()
	b.Requests, b.StatusCodes[200] = 1, 1
	b.Uncorrected.Record(3 * time.Millisecond)
	b.ConnectTime = NewResult().Latency // a measured histogram
	b.ConnectTime.Record(100 * time.Microsecond)
	sum.Add(a)
	sum.Add(b)
	if sum.Requests != 3 || sum.StatusCodes[200] != 3 {
		t.Errorf("counts %+v", sum.Counts)
	}
	if sum.Latency.Count() != 2 || sum.Uncorrected.Count() != 1 || sum.SendLag.Count() != 1 {
		t.Errorf("latency %d, uncorrected %d, send lag %d; want 2, 1, 1", sum.Latency.Count(), sum.Uncorrected.Count(), sum.SendLag.Count())
	}
	if sum.ConnectTime == nil || sum.ConnectTime.Count() != 1 || sum.TLSHandshake != nil || sum.FirstByte != nil {
		t.Errorf("optional histograms: connect %v, tls %v, first byte %v; want connect only", sum.ConnectTime, sum.TLSHandshake, sum.FirstByte)
	}
}
