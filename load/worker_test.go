package load

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

// TestWorkerRecord checks what the worker makes of one request's record,
// and that recording allocates nothing (it is on the per-request path).
func TestWorkerRecord(t *testing.T) {
	// Open loop (a pacer), so that latency counts from the intended time.
	p := &Plan{Pacer: Constant{PerSecond: 1, Duration: time.Minute}, Duration: time.Minute, Warmup: time.Second, Timeout: time.Second}
	w, err := newWorker(context.Background(), nil, p, time.Now(), newTimeline(time.Second).writer(), false)
	if err != nil {
		t.Fatal(err)
	}
	ok := record.Request{At: 2 * time.Second, Sent: 2*time.Second + time.Millisecond, Done: 2*time.Second + 5*time.Millisecond,
		Response: record.Response{Status: 200, Bytes: 100, Connect: 50 * time.Microsecond, FirstByte: 3 * time.Millisecond}}
	failed := record.Request{At: 2 * time.Second, Sent: 2 * time.Second, Done: 2 * time.Second, Err: errors.New("boom"),
		Response: record.Response{Connect: 70 * time.Microsecond}}
	warmup := ok
	warmup.At = time.Millisecond
	w.record(ok, true)
	w.record(failed, false)
	w.record(warmup, false)
	r := &w.res
	if r.Requests != 2 || r.Errors != 1 || r.Late != 1 || r.BytesReceived != 100 || r.StatusCodes[200] != 1 || r.ErrorKinds[KindOther] != 1 {
		t.Errorf("counts %+v", r.Counts)
	}
	if r.Latency.Count() != 1 || r.Latency.Max() < 5*time.Millisecond || r.SendLag.Count() != 2 {
		t.Errorf("latency %d values (max %v), send lag %d; want 1 (5ms), 2", r.Latency.Count(), r.Latency.Max(), r.SendLag.Count())
	}
	if r.ConnectTime == nil || r.ConnectTime.Count() != 2 || r.FirstByte == nil || r.FirstByte.Count() != 1 || r.TLSHandshake != nil {
		t.Errorf("connect %v, first byte %v, tls %v; want 2 connects, 1 first byte, no TLS", r.ConnectTime, r.FirstByte, r.TLSHandshake)
	}
	if a := testing.AllocsPerRun(1000, func() { w.record(ok, false) }); a != 0 {
		t.Errorf("%v allocations per recorded request", a)
	}
}
