package load

import (
	"context"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/internal/precise"
)

// worker records requests and owns everything it records: those of one
// connection, which it also drives (goroutine driver), or those of every
// connection of one event loop (which drives them).
type worker struct {
	ctx      context.Context
	conn     Conn
	start    time.Time
	warmup   time.Duration
	end      time.Duration
	timeout  time.Duration
	wait     *precise.Sleeper
	timeline timelineAdder
	closed   bool // closed loop: no schedule

	lat, unc, lag *hist.Histogram
	// hs is conn when it times its handshakes; connect and tls are made
	// when the first one is reported.
	hs                   HandshakeTimer
	connect, tls         *hist.Histogram
	fb                   FirstByteTimer
	firstByte            *hist.Histogram
	statuses             map[int]int64
	kinds                map[string]int64
	requests, sent, errs int64
	late, dropped, bytes int64
}

// newWorker makes the worker of conn (nil when an event loop drives the
// connection); sleeps: it waits for open-loop send times itself.
func newWorker(ctx context.Context, conn Conn, p *Plan, start time.Time, tl timelineAdder, sleeps bool) (*worker, error) {
	hs, _ := conn.(HandshakeTimer)
	fb, _ := conn.(FirstByteTimer)
	w := &worker{
		hs:  hs,
		fb:  fb,
		ctx: ctx, conn: conn, start: start,
		warmup: p.Warmup, end: p.Duration, timeout: p.Timeout, closed: p.Pacer == nil,
		timeline: tl,
		lat:      hist.New(), unc: hist.New(), lag: hist.New(),
		statuses: map[int]int64{}, kinds: map[string]int64{},
	}
	if sleeps {
		var err error
		if w.wait, err = precise.New(ctx); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// openLoop sends on the schedule's slots until it ends or ctx is done.
func (w *worker) openLoop(s *schedule) {
	defer w.timeline.flush()
	defer w.wait.Close()
	for {
		el := time.Since(w.start)
		c, ok := s.claim(el)
		w.dropped += int64(c.dropped)
		if !ok {
			return
		}
		if c.at > el && !w.wait.Until(w.start.Add(c.at)) {
			return
		}
		if !w.send(c.at, c.late) {
			return
		}
	}
}

// closedLoop sends back to back until the run's end or ctx is done.
func (w *worker) closedLoop() {
	defer w.timeline.flush()
	waitCtx(w.ctx, w.start)
	for w.ctx.Err() == nil {
		at := time.Since(w.start)
		if at >= w.end || !w.send(at, false) {
			return
		}
	}
}

// send makes one request intended at offset at; it returns false when the
// run was cancelled during the request (which is then not counted).
func (w *worker) send(at time.Duration, late bool) bool {
	sendT := time.Now()
	resp, err := w.conn.Do(sendT.Add(w.timeout))
	doneT := time.Now()
	if err != nil && w.ctx.Err() != nil {
		return false
	}
	w.record(at, sendT.Sub(w.start), doneT.Sub(w.start), late, resp, err)
	return true
}

// record counts one request intended at offset at, sent at sent and done
// at done (offsets from the run start), with its response or error.
func (w *worker) record(at, sent, done time.Duration, late bool, resp Response, err error) {
	if w.closed {
		at = sent // in closed loop a request is intended when it is sent
	}
	if at < w.warmup {
		return
	}
	w.requests++
	if sent < w.end {
		w.sent++
	}
	if late {
		w.late++
	}
	w.lag.Record(sent - at)
	if w.hs != nil {
		w.recordHandshake()
	}
	if w.fb != nil {
		if d, ok := w.fb.LastFirstByte(); ok {
			if w.firstByte == nil {
				w.firstByte = hist.New()
			}
			w.firstByte.Record(d)
		}
	}
	kind := ""
	if err != nil {
		kind = Classify(err)
	} else {
		w.statuses[resp.Status]++
		w.bytes += resp.Bytes
		kind = ClassifyStatus(resp.Status)
	}
	recorded := time.Duration(-1)
	// Latency histograms hold every request that got a response, and
	// timeouts at the time given up (a lower bound); other transport errors
	// have no meaningful latency and are only counted.
	if err == nil || kind == KindTimeout {
		recorded = done - at
		w.lat.Record(recorded)
		w.unc.Record(done - sent)
	}
	if kind != "" {
		w.errs++
		w.kinds[kind]++
	}
	w.timeline.add(at-w.warmup, kind != "", recorded)
}

// recordHandshake records the set-up of the connection the last Do opened.
func (w *worker) recordHandshake() {
	connect, tls, ok := w.hs.LastHandshake()
	if !ok {
		return
	}
	if w.connect == nil {
		w.connect, w.tls = hist.New(), hist.New()
	}
	w.connect.Record(connect)
	if tls > 0 {
		w.tls.Record(tls)
	}
}

// merge adds w's counts and histograms into r.
func (w *worker) merge(r *Result) {
	r.Requests += w.requests
	r.Sent += w.sent
	r.Errors += w.errs
	r.Late += w.late
	r.Dropped += w.dropped
	r.BytesReceived += w.bytes
	r.Latency.Merge(w.lat)
	r.Uncorrected.Merge(w.unc)
	r.SendLag.Merge(w.lag)
	if w.connect != nil {
		if r.ConnectTime == nil {
			r.ConnectTime = hist.New()
		}
		r.ConnectTime.Merge(w.connect)
	}
	if w.tls != nil && w.tls.Count() > 0 {
		if r.TLSHandshake == nil {
			r.TLSHandshake = hist.New()
		}
		r.TLSHandshake.Merge(w.tls)
	}
	if w.firstByte != nil {
		if r.FirstByte == nil {
			r.FirstByte = hist.New()
		}
		r.FirstByte.Merge(w.firstByte)
	}
	for k, v := range w.statuses {
		r.StatusCodes[k] += v
	}
	for k, v := range w.kinds {
		r.ErrorKinds[k] += v
	}
}
