package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/smp-dev/smp/hist"
)

// CodecVersion is the version of the encoding Encode writes and Decode
// reads.
const CodecVersion = 1

// ErrCodec wraps every failure to decode an encoded Result.
var ErrCodec = errors.New("decode result")

// wireResult is Result as JSON: every field, histograms in HDR V2
// encoding (base64) with their clamped counts beside them.
type wireResult struct {
	V             int                 `json:"v"`
	Start         time.Time           `json:"start"`
	End           time.Time           `json:"end"`
	RequestedRate float64             `json:"requestedRate"`
	Counts        wireCounts          `json:"counts"`
	Hist          map[string]wireHist `json:"histograms"`
	Timeline      []wireInterval      `json:"timeline,omitempty"`
	Client        wireUsage           `json:"client"`
	Driver        string              `json:"driver,omitempty"`
	SendTolerance time.Duration       `json:"sendTolerance,omitempty"`
	Partial       bool                `json:"partial,omitempty"`
	Clients       []wireShare         `json:"clients,omitempty"`
	Generator     *wireGenerator      `json:"generator,omitempty"`
}

// wireGenerator is Generator; Resolution in integer nanoseconds.
type wireGenerator struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	LatencyClock string        `json:"latencyClock"`
	Resolution   time.Duration `json:"resolution"`
	Histogram    string        `json:"histogram"`
	Warmup       string        `json:"warmup,omitempty"`
	Command      []string      `json:"command,omitempty"`
}

type wireCounts struct {
	Requests      int64            `json:"requests"`
	Sent          int64            `json:"sent"`
	Errors        int64            `json:"errors"`
	Late          int64            `json:"late"`
	Dropped       int64            `json:"dropped"`
	Early         int64            `json:"early,omitempty"`
	Batched       int64            `json:"batched,omitempty"`
	StatusCodes   map[int]int64    `json:"statusCodes,omitempty"`
	ErrorKinds    map[string]int64 `json:"errorKinds,omitempty"`
	BytesReceived int64            `json:"bytesReceived"`
}

type wireHist struct {
	HDR     string `json:"hdr"`
	Clamped int64  `json:"clamped,omitempty"`
}

// Durations are integer nanoseconds.
type wireInterval struct {
	Start    time.Duration `json:"start"`
	Requests int64         `json:"requests"`
	Errors   int64         `json:"errors"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
}

type wireUsage struct {
	CPUTime   time.Duration `json:"cpuTime"`
	CPUMcores float64       `json:"cpuMcores"`
	MaxRSSMB  float64       `json:"maxRssMB"`
	// NotMeasured says why the client's own cost was not measured.
	NotMeasured string `json:"notMeasured,omitempty"`
}

type wireShare struct {
	Index         int           `json:"index"`
	Pod           string        `json:"pod,omitempty"`
	Start         time.Time     `json:"start"`
	End           time.Time     `json:"end"`
	RequestedRate float64       `json:"requestedRate"`
	AchievedRate  float64       `json:"achievedRate"`
	Requests      int64         `json:"requests"`
	Errors        int64         `json:"errors"`
	SendLagP99    time.Duration `json:"sendLagP99"`
	StartLate     time.Duration `json:"startLate"`
}

// Histogram names in the encoding; the first three are required.
const (
	hLatency      = "latency"
	hUncorrected  = "uncorrected"
	hSendLag      = "sendLag"
	hConnectTime  = "connectTime"
	hTLSHandshake = "tlsHandshake"
	hFirstByte    = "firstByte"
)

// histFields lists r's histograms by their names in the encoding.
func histFields(r *Result) map[string]**hist.Histogram {
	return map[string]**hist.Histogram{
		hLatency: &r.Latency, hUncorrected: &r.Uncorrected, hSendLag: &r.SendLag,
		hConnectTime: &r.ConnectTime, hTLSHandshake: &r.TLSHandshake, hFirstByte: &r.FirstByte,
	}
}

// Encode writes r as one line of JSON, losslessly: Decode gives back the
// same counts, histograms (every recorded value), timeline, window,
// rates, client usage, driver, send tolerance, partial flag, client shares and generator. Wall-clock
// times keep their nanoseconds but not Go's monotonic reading.
func Encode(r *Result) ([]byte, error) {
	w := wireResult{
		V: CodecVersion, Start: r.Start, End: r.End, RequestedRate: r.RequestedRate,
		Counts: wireCounts{
			Requests: r.Requests, Sent: r.Sent, Errors: r.Errors, Late: r.Late, Dropped: r.Dropped,
			Early: r.Early, Batched: r.Batched,
			StatusCodes: r.StatusCodes, ErrorKinds: r.ErrorKinds, BytesReceived: r.BytesReceived,
		},
		Hist:    map[string]wireHist{},
		Client:  wireUsage(r.Client),
		Driver:  r.Driver,
		Partial: r.Partial,

		SendTolerance: r.SendTolerance,
	}
	if r.Generator != nil {
		g := wireGenerator(*r.Generator)
		w.Generator = &g
	}
	for name, h := range histFields(r) {
		if *h == nil {
			continue
		}
		s, err := (*h).Encode()
		if err != nil {
			return nil, fmt.Errorf("encode result: histogram %s: %w", name, err)
		}
		w.Hist[name] = wireHist{HDR: s, Clamped: (*h).Clamped()}
	}
	for _, iv := range r.Timeline {
		w.Timeline = append(w.Timeline, wireInterval(iv))
	}
	for _, c := range r.Clients {
		w.Clients = append(w.Clients, wireShare(c))
	}
	b, err := json.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	return b, nil
}

// Decode reads what Encode wrote. Every failure wraps ErrCodec and says
// what was wrong.
func Decode(data []byte) (*Result, error) {
	var w wireResult
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCodec, err)
	}
	if w.V != CodecVersion {
		return nil, fmt.Errorf("%w: version %d: expected %d", ErrCodec, w.V, CodecVersion)
	}
	r := &Result{
		Start: w.Start, End: w.End, RequestedRate: w.RequestedRate,
		Counts: Counts[int]{
			Requests: w.Counts.Requests, Sent: w.Counts.Sent, Errors: w.Counts.Errors,
			Late: w.Counts.Late, Dropped: w.Counts.Dropped, BytesReceived: w.Counts.BytesReceived,
			Early: w.Counts.Early, Batched: w.Counts.Batched,
			StatusCodes: w.Counts.StatusCodes, ErrorKinds: w.Counts.ErrorKinds,
		},
		Client:  ClientUsage(w.Client),
		Driver:  w.Driver,
		Partial: w.Partial,

		SendTolerance: w.SendTolerance,
	}
	if w.Generator != nil {
		g := Generator(*w.Generator)
		r.Generator = &g
	}
	if r.StatusCodes == nil {
		r.StatusCodes = map[int]int64{}
	}
	if r.ErrorKinds == nil {
		r.ErrorKinds = map[string]int64{}
	}
	fields := histFields(r)
	for name, wh := range w.Hist {
		dst, ok := fields[name]
		if !ok {
			return nil, fmt.Errorf("%w: histogram %q: expected one of latency, uncorrected, sendLag, connectTime, tlsHandshake, firstByte", ErrCodec, name)
		}
		h, err := hist.Decode(wh.HDR)
		if err != nil {
			return nil, fmt.Errorf("%w: histogram %s: %w", ErrCodec, name, err)
		}
		if wh.Clamped < 0 || wh.Clamped > h.Count() {
			return nil, fmt.Errorf("%w: histogram %s: clamped %d: expected 0..%d (its count)", ErrCodec, name, wh.Clamped, h.Count())
		}
		h.SetClamped(wh.Clamped)
		*dst = h
	}
	for _, name := range []string{hLatency, hUncorrected, hSendLag} {
		if *fields[name] == nil {
			return nil, fmt.Errorf("%w: histogram %s: missing (it is always recorded)", ErrCodec, name)
		}
	}
	for _, iv := range w.Timeline {
		r.Timeline = append(r.Timeline, Interval(iv))
	}
	for _, c := range w.Clients {
		r.Clients = append(r.Clients, ClientShare(c))
	}
	return r, nil
}
