package record

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
)

// randomResult fills every field of a Result from rng.
func randomResult(rng *rand.Rand) *Result {
	r := NewResult()
	r.Start = time.Unix(1_700_000_000+rng.Int64N(1e6), rng.Int64N(1e9)).UTC()
	r.End = r.Start.Add(time.Duration(rng.Int64N(int64(time.Minute))))
	r.RequestedRate = rng.Float64() * 10000
	r.Requests, r.Sent, r.Errors = rng.Int64N(1e6), rng.Int64N(1e6), rng.Int64N(1e3)
	r.Late, r.Dropped, r.BytesReceived = rng.Int64N(100), rng.Int64N(100), rng.Int64N(1e9)
	r.Early, r.Batched = rng.Int64N(1e5), rng.Int64N(1e5)
	r.StatusCodes[200], r.StatusCodes[503] = rng.Int64N(1e6), rng.Int64N(10)
	r.ErrorKinds["timeout"] = rng.Int64N(10)
	hs := []*hist.Histogram{r.Latency, r.Uncorrected, r.SendLag}
	if rng.IntN(2) == 0 {
		r.ConnectTime, r.TLSHandshake, r.FirstByte = hist.New(), hist.New(), hist.New()
		hs = append(hs, r.ConnectTime, r.TLSHandshake, r.FirstByte)
	}
	for _, h := range hs {
		n := rng.IntN(3000)
		for range n {
			h.Record(time.Duration(rng.ExpFloat64() * float64(time.Millisecond)))
		}
		if rng.IntN(4) == 0 {
			h.Record(2 * time.Hour) // clamped
		}
	}
	for i := range rng.IntN(10) {
		r.Timeline = append(r.Timeline, Interval{Start: time.Duration(i) * time.Second,
			Requests: rng.Int64N(1000), Errors: rng.Int64N(5),
			P50: time.Duration(rng.Int64N(1e7)), P99: time.Duration(rng.Int64N(1e8))})
	}
	r.Client = ClientUsage{CPUTime: time.Duration(rng.Int64N(1e10)), CPUMcores: rng.Float64() * 2000, MaxRSSMB: rng.Float64() * 100}
	r.Driver = []string{"eventloop", "goroutines"}[rng.IntN(2)]
	r.Partial = rng.IntN(2) == 0
	r.SendTolerance = time.Duration(rng.Int64N(int64(10 * time.Millisecond)))
	if rng.IntN(2) == 0 {
		r.Generator = &Generator{Name: "wrk2", Version: "4.0.0", LatencyClock: ClockIntended, Resolution: time.Microsecond,
			Histogram: HistReconstructed, Warmup: "a separate run", Command: []string{"wrk", "-R", "100"}}
	}
	if rng.IntN(2) == 0 {
		r.Clients = []ClientShare{{Index: 2, Pod: "p-2", Start: r.Start, End: r.End, RequestedRate: 1.5,
			AchievedRate: 1.25, Requests: 7, Errors: 1, SendLagP99: 3, StartLate: time.Millisecond}}
	}
	return r
}

// sameHist compares two histograms by count, clamped count, min, max and
// every quantile on a fine grid.
func sameHist(t *testing.T, name string, a, b *hist.Histogram) {
	t.Helper()
	if (a == nil) != (b == nil) {
		t.Errorf("%s: one of %v, %v is nil", name, a, b)
		return
	}
	if a == nil {
		return
	}
	if a.Count() != b.Count() || a.Clamped() != b.Clamped() || a.Min() != b.Min() || a.Max() != b.Max() {
		t.Errorf("%s: count %d/%d clamped %d/%d min %v/%v max %v/%v", name,
			a.Count(), b.Count(), a.Clamped(), b.Clamped(), a.Min(), b.Min(), a.Max(), b.Max())
	}
	for p := 0.1; p <= 100; p += 0.1 {
		if a.Quantile(p) != b.Quantile(p) {
			t.Errorf("%s: p%.1f %v, decoded %v", name, p, a.Quantile(p), b.Quantile(p))
			return
		}
	}
}

// sameResult compares everything but the histograms with reflect, and the
// histograms with sameHist.
func sameResult(t *testing.T, want, got *Result) {
	t.Helper()
	w, g := *want, *got
	for name, h := range histFields(&w) {
		sameHist(t, name, *h, *histFields(&g)[name])
		*h, *histFields(&g)[name] = nil, nil
	}
	if !w.Start.Equal(g.Start) || !w.End.Equal(g.End) {
		t.Errorf("window [%v, %v], decoded [%v, %v]", w.Start, w.End, g.Start, g.End)
	}
	w.Start, w.End, g.Start, g.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	for i := range w.Clients {
		if i < len(g.Clients) && w.Clients[i].Start.Equal(g.Clients[i].Start) && w.Clients[i].End.Equal(g.Clients[i].End) {
			g.Clients[i].Start, g.Clients[i].End = w.Clients[i].Start, w.Clients[i].End
		}
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("decoded\n%+v\nwant\n%+v", g, w)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	// Each case costs tens of milliseconds (a hundred under -race): -short
	// runs the first 10 of the full suite's 40.
	cases := 40
	if testing.Short() {
		cases = 10
	}
	for i := range cases {
		r := randomResult(rng)
		b, err := Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsRune(b, '\n') {
			t.Fatal("encoding spans lines")
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		sameResult(t, r, got)
	}
}

func TestCodecEmptyResult(t *testing.T) {
	t.Parallel()
	r := NewResult()
	b, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, r, got)
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	good, err := Encode(NewResult())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		``, `{`, `[]`, `{"v":2}`,
		`{"v":1}`, // no histograms
		string(bytes.Replace(good, []byte(`"sendLag"`), []byte(`"other"`), 1)),
		string(bytes.Replace(good, []byte(`"latency":{"hdr":"`), []byte(`"latency":{"hdr":"xx`), 1)),
		string(bytes.Replace(good, []byte(`"latency":{"hdr"`), []byte(`"latency":{"clamped":5,"hdr"`), 1)),
	} {
		if _, err := Decode([]byte(bad)); !errors.Is(err, ErrCodec) {
			t.Errorf("Decode(%.80q) = %v, want ErrCodec", bad, err)
		}
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts encodes and
// decodes to the same result.
func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3 {
		b, err := Encode(randomResult(rng))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		b, err := Encode(r)
		if err != nil {
			return // e.g. a float the JSON decoder accepted but cannot be written (none known)
		}
		back, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		sameResult(t, r, back)
	})
}
