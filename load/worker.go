package load

import (
	"context"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/internal/precise"
	"github.com/smp-dev/smp/load/record"
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

	// res is what the worker recorded: counts and histograms (the
	// optional ones made when a request first measures them).
	res Result
}

// newWorker makes the worker of conn (nil when an event loop drives the
// connection); sleeps: it waits for open-loop send times itself.
func newWorker(ctx context.Context, conn Conn, p *Plan, start time.Time, tl timelineAdder, sleeps bool) (*worker, error) {
	w := &worker{
		ctx: ctx, conn: conn, start: start,
		warmup: p.Warmup, end: p.Duration, timeout: p.Timeout, closed: p.Pacer == nil,
		timeline: tl,
		res:      *record.NewResult(),
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
		w.res.Dropped += int64(c.dropped)
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
	w.record(record.Request{At: at, Sent: sendT.Sub(w.start), Done: doneT.Sub(w.start), Response: resp, Err: err}, late)
	return true
}

// record counts one request (late: its slot was already due when its
// connection became free).
func (w *worker) record(r record.Request, late bool) {
	at := r.At
	if w.closed {
		at = r.Sent // in closed loop a request is intended when it is sent
	}
	if at < w.warmup {
		return
	}
	res := &w.res
	c := &res.Counts
	c.Requests++
	if r.Sent < w.end {
		c.Sent++
	}
	if late {
		c.Late++
	}
	if r.Batched {
		c.Batched++
	}
	// A send made early (within a send tolerance) is timed from when it
	// left: timing it from its intended time would take the time it was
	// early off its latency. Its lag is recorded as 0, and counted.
	from := at
	if r.Sent < at {
		from = r.Sent
		c.Early++
	}
	res.SendLag.Record(r.Sent - from)
	recordSome(&res.ConnectTime, r.Connect)
	recordSome(&res.TLSHandshake, r.TLSHandshake)
	recordSome(&res.FirstByte, r.FirstByte)
	kind := ""
	if r.Err != nil {
		kind = Classify(r.Err)
	} else {
		c.StatusCodes[r.Status]++
		c.BytesReceived += r.Bytes
		kind = ClassifyStatus(r.Status)
	}
	recorded := time.Duration(-1)
	// Latency histograms hold every request that got a response, and
	// timeouts at the time given up (a lower bound); other transport errors
	// have no meaningful latency and are only counted.
	if r.Err == nil || kind == KindTimeout {
		recorded = r.Done - from
		res.Latency.Record(recorded)
		res.Uncorrected.Record(r.Done - r.Sent)
	}
	if kind != "" {
		c.Errors++
		c.ErrorKinds[kind]++
	}
	w.timeline.add(at-w.warmup, kind != "", recorded)
}

// recordSome records d, when measured (not 0), into *h, made on first use.
func recordSome(h **hist.Histogram, d time.Duration) {
	if d == 0 {
		return
	}
	if *h == nil {
		*h = hist.New()
	}
	(*h).Record(d)
}

// merge adds w's counts and histograms into r.
func (w *worker) merge(r *Result) { r.Add(&w.res) }
