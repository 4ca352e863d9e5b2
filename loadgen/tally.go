package loadgen

import (
	"strings"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
)

// tally adds up the per-request records of the tools that print one
// (vegeta, hey) the way smp's engine does: every request is counted; a
// response's status goes into StatusCodes, and 4xx and 5xx are errors of
// their kind; a transport error is counted under its kind. The latency
// histogram holds every request that got a response, and timeouts (at the
// time given up); other transport errors have no meaningful latency and
// are only counted. The timeline has one interval a second, by each
// request's send time.
type tally struct {
	res  *record.Result
	lat  *hist.Histogram
	secs []second
}

// second is one timeline interval being filled.
type second struct {
	requests, errors int64
	lat              *hist.Histogram // made on the interval's first timed request
}

// maxTimelineSeconds bounds the timeline (36 hours): a request sent
// later than that (a clock gone wrong) is counted but not in the timeline.
const maxTimelineSeconds = 36 * 3600

func newTally(r *record.Result) *tally { return &tally{res: r, lat: hist.New()} }

// add counts one request sent off after the window's start. status is the
// response's status (0: none); kind is the transport error's kind ("" when
// it got a response).
func (t *tally) add(off time.Duration, status int, kind string, latency time.Duration) {
	c := &t.res.Counts
	c.Requests++
	c.Sent++
	if kind == "" {
		c.StatusCodes[status]++
		kind = load.ClassifyStatus(status)
	}
	timed := kind == "" || kind == load.KindHTTP4xx || kind == load.KindHTTP5xx || kind == load.KindTimeout
	if kind != "" {
		c.Errors++
		c.ErrorKinds[kind]++
	}
	if timed {
		t.lat.Record(latency)
	}
	i := int(max(off, 0) / time.Second)
	if i >= len(t.secs) {
		if i > maxTimelineSeconds {
			return
		}
		t.secs = append(t.secs, make([]second, i+1-len(t.secs))...)
	}
	s := &t.secs[i]
	s.requests++
	if kind != "" {
		s.errors++
	}
	if timed {
		if s.lat == nil {
			s.lat = hist.NewCoarse()
		}
		s.lat.Record(latency)
	}
}

// finish sets the result's latency and timeline.
func (t *tally) finish() {
	setLatency(t.res, t.lat)
	for i, s := range t.secs {
		iv := record.Interval{Start: time.Duration(i) * time.Second, Requests: s.requests, Errors: s.errors}
		if s.lat != nil {
			iv.P50, iv.P99 = s.lat.Quantile(50), s.lat.Quantile(99)
		}
		t.res.Timeline = append(t.res.Timeline, iv)
	}
}

// errorKind is the kind of a transport error a tool printed as text (Go's
// net/http errors, as vegeta prints them), in the names of smp's engine
// (load.Kind*).
func errorKind(msg string) string {
	m := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("connection refused"):
		return load.KindRefused
	case has("no such host", "lookup "):
		return load.KindDNS
	case has("tls:", "x509:", "certificate"):
		return load.KindTLS
	case has("timeout", "deadline exceeded"):
		return load.KindTimeout
	case has("connection reset", "broken pipe", "eof", "use of closed network connection", "server closed"):
		return load.KindReset
	case has("malformed http", "protocol error"):
		return load.KindProtocol
	}
	return load.KindOther
}
