package record

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"
)

// ShareOf is r's figures as one client of a merged result. Index, Pod
// and StartLate come from r's own single client share when it has one
// (a load worker records itself there); the rest are computed from r.
func ShareOf(r *Result) ClientShare {
	var c ClientShare
	if len(r.Clients) == 1 {
		c = r.Clients[0]
	}
	c.Start, c.End = r.Start, r.End
	c.RequestedRate = r.RequestedRate
	c.AchievedRate = r.AchievedRate()
	c.Requests, c.Errors = r.Requests, r.Errors
	if r.SendLag != nil {
		c.SendLagP99 = r.SendLag.Quantile(99)
	}
	return c
}

// Merge combines the results of clients that ran one load together (from
// one shared start) into one result, and keeps each client's figures in
// Clients (by index). It changes none of rs.
//
//   - Counts and every histogram are added (Result.Add): lossless, so the
//     merged percentiles are those of all requests pooled.
//   - The window is [earliest start, latest end]: the achieved rate (sent
//     over the window) is then the total over the whole time any client
//     measured, so a client that started late lowers it rather than being
//     hidden.
//   - RequestedRate is the sum of the clients' rates.
//   - The timeline is merged by each interval's wall-clock start (its
//     client's window start plus its offset), rounded to the nearest
//     interval of the merged window: requests and errors add. The result
//     does not keep per-interval histograms, so an interval's P50 and P99
//     are the largest of the clients' — an upper bound of the pooled
//     percentile (a pooled quantile lies between the clients' least and
//     greatest).
//   - Client usage: CPU time and CPU millicores add (the clients run at
//     once, on their own CPUs); MaxRSSMB is the largest client's.
//   - Driver is the clients' driver, or their distinct drivers joined by
//     "+"; SendTolerance is the largest client's (they share one plan);
//     Partial is set when any client's is. Generator is the first
//     client's (every client of a run runs the same one).
func Merge(rs []*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, errors.New("merge results: none given")
	}
	m := NewResult()
	var drivers []string
	for i, r := range rs {
		if r == nil {
			return nil, errors.New("merge results: a nil result")
		}
		m.Add(r)
		if i == 0 || r.Start.Before(m.Start) {
			m.Start = r.Start
		}
		if i == 0 || r.End.After(m.End) {
			m.End = r.End
		}
		m.RequestedRate += r.RequestedRate
		m.Client.CPUTime += r.Client.CPUTime
		m.Client.CPUMcores += r.Client.CPUMcores
		m.Client.MaxRSSMB = max(m.Client.MaxRSSMB, r.Client.MaxRSSMB)
		m.Client.NotMeasured = cmp.Or(m.Client.NotMeasured, r.Client.NotMeasured)
		m.Partial = m.Partial || r.Partial
		m.SendTolerance = max(m.SendTolerance, r.SendTolerance)
		if r.Driver != "" && !slices.Contains(drivers, r.Driver) {
			drivers = append(drivers, r.Driver)
		}
		c := ShareOf(r)
		if len(r.Clients) != 1 {
			c.Index = i
		}
		m.Clients = append(m.Clients, c)
	}
	m.Driver = strings.Join(drivers, "+")
	m.Generator = rs[0].Generator
	slices.SortStableFunc(m.Clients, func(a, b ClientShare) int { return a.Index - b.Index })
	m.Timeline = mergeTimelines(m.Start, rs)
	return m, nil
}

// mergeTimelines merges the clients' timelines onto the window starting at
// start (see Merge).
func mergeTimelines(start time.Time, rs []*Result) []Interval {
	step := time.Duration(0)
	for _, r := range rs {
		if len(r.Timeline) >= 2 {
			step = r.Timeline[1].Start - r.Timeline[0].Start
			break
		}
	}
	if step <= 0 {
		step = time.Second
	}
	var out []Interval
	for _, r := range rs {
		shift := r.Start.Sub(start)
		for _, iv := range r.Timeline {
			at := shift + iv.Start
			i := int((at + step/2) / step)
			if i < 0 {
				i = 0
			}
			for len(out) <= i {
				out = append(out, Interval{Start: time.Duration(len(out)) * step})
			}
			o := &out[i]
			o.Requests += iv.Requests
			o.Errors += iv.Errors
			o.P50 = max(o.P50, iv.P50)
			o.P99 = max(o.P99, iv.P99)
		}
	}
	return out
}
