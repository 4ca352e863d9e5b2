package loadjob

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
)

func sampleResult() *record.Result {
	r := record.NewResult()
	r.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.End = r.Start.Add(4 * time.Second)
	r.Requests, r.Sent, r.StatusCodes[200] = 400, 400, 400
	for i := range 400 {
		r.Latency.Record(time.Duration(i+1) * time.Microsecond)
		r.Uncorrected.Record(time.Duration(i+1) * time.Microsecond)
		r.SendLag.Record(time.Microsecond)
	}
	return r
}

func TestFrameInNoise(t *testing.T) {
	r := sampleResult()
	var b bytes.Buffer
	b.WriteString("smp worker: starting\npartial line without newline")
	if err := WriteFrame(&b, r); err != nil {
		t.Fatal(err)
	}
	b.WriteString("sidecar: shutting down\r\n" + FrameBegin + "\n") // a stray unterminated marker after it
	got, err := ReadFrame(b.Bytes())
	if err != nil {
		t.Fatalf("%v in log:\n%s", err, b.String())
	}
	if got.Requests != 400 || got.Latency.Count() != 400 || got.Latency.Quantile(99) != r.Latency.Quantile(99) {
		t.Errorf("decoded %d requests, %d latencies, p99 %v", got.Requests, got.Latency.Count(), got.Latency.Quantile(99))
	}
	// CRLF line ends (a log read through a terminal) still frame.
	crlf := bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\r\n"))
	if got, err := ReadFrame(crlf); err != nil || got.Requests != 400 {
		t.Errorf("CRLF log: %v", err)
	}
}

func TestFrameMissing(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFrame(&b, sampleResult()); err != nil {
		t.Fatal(err)
	}
	whole := b.String()
	cut := whole[:strings.Index(whole, FrameEnd)]
	for name, log := range map[string]string{
		"empty": "", "noise": "panic: runtime error\n", "cut": cut,
		"inline markers": "x " + FrameBegin + " {} " + FrameEnd + "\n",
	} {
		if _, err := FindFrame([]byte(log)); !errors.Is(err, ErrNoFrame) {
			t.Errorf("%s: %v, want ErrNoFrame", name, err)
		}
	}
	if _, err := FindFrame([]byte(cut)); err == nil || !strings.Contains(err.Error(), "does not end") {
		t.Errorf("cut frame: %v, want it to say the frame does not end", err)
	}
	if _, err := ReadFrame([]byte("\n" + FrameBegin + "\nnot json\n" + FrameEnd + "\n")); !errors.Is(err, record.ErrCodec) {
		t.Errorf("bad payload: %v, want record.ErrCodec", err)
	}
}

// FuzzFindFrame: FindFrame never panics, and a frame written after any log
// is found again, whole.
func FuzzFindFrame(f *testing.F) {
	f.Add([]byte("noise\n"), []byte(`{"v":1}`))
	f.Add([]byte(FrameBegin+"\n"), []byte("x"))
	f.Add([]byte(FrameEnd+"\r\n"+FrameBegin), []byte("{}"))
	f.Fuzz(func(t *testing.T, log, payload []byte) {
		_, _ = FindFrame(log)
		payload = bytes.TrimSpace(payload)
		// A payload must be one line, and not a marker (a JSON one never is).
		if len(payload) == 0 || bytes.ContainsAny(payload, "\r\n") || string(payload) == FrameEnd || string(payload) == FrameBegin {
			return
		}
		framed := append(append(bytes.Clone(log), "\n"+FrameBegin+"\n"...), payload...)
		framed = append(framed, "\n"+FrameEnd+"\n"...)
		got, err := FindFrame(framed)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("framed %q: got %q, %v", payload, got, err)
		}
	})
}
