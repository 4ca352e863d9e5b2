package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable renders r as an aligned text table: one row per iteration
// (when there are several) and one per scenario summary, latencies in ms,
// then the client's own figures and every warning.
func WriteTable(w io.Writer, r *Report) error {
	title := "smp"
	if r.Test != nil && r.Test.Metadata.Name != "" {
		title += " " + r.Test.Metadata.Name
	}
	fmt.Fprintf(w, "%s  %s  %s", title, r.StartTime.Format("2006-01-02 15:04:05Z"), r.Environment.Hostname)
	if r.Partial {
		fmt.Fprint(w, "  (PARTIAL: interrupted)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\titer\trate/s\tachieved/s\trequests\terrors\tp50 ms\tp90 ms\tp99 ms\tp99.9 ms\tmax ms\t")
	row := func(name, iter string, c Counts, l Latency) {
		rate := "closed"
		if c.RequestedRate > 0 {
			rate = num(c.RequestedRate)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			name, iter, rate, num(c.AchievedRate), c.Requests, errCell(c),
			lat(l, "p50"), lat(l, "p90"), lat(l, "p99"), lat(l, "p99.9"), fixed(l.Max))
	}
	for _, s := range r.Scenarios {
		if len(s.Iterations) == 0 {
			fmt.Fprintf(tw, "%s\t-\tfailed\t\t\t\t\t\t\t\t\t\n", s.Name)
			continue
		}
		if len(s.Iterations) > 1 {
			for _, it := range s.Iterations {
				row(s.Name, strconv.Itoa(it.Index+1), it.Counts, it.Latency)
			}
		}
		row(s.Name, "all", s.Summary.Counts, s.Summary.Latency)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tuncorrected p50\tuncorrected p99\tsend lag p50\tsend lag p99\tlate\tdropped\tclient mCores\tclient RSS MB\t")
	for _, s := range r.Scenarios {
		if len(s.Iterations) == 0 {
			continue
		}
		sm := s.Summary
		cpu := num(sm.Client.CPUMcores)
		if sm.Client.IncludesTarget {
			cpu += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t\n", s.Name,
			lat(sm.UncorrectedLatency, "p50"), lat(sm.UncorrectedLatency, "p99"),
			lat(sm.SendLag, "p50"), lat(sm.SendLag, "p99"),
			sm.Late, sm.Dropped, cpu, num(sm.Client.MaxRSSMB))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Scenarios {
		if s.Summary.Client.IncludesTarget {
			fmt.Fprintln(w, "* includes the built-in target, which runs in the generator's process")
			break
		}
	}
	if len(r.Scenarios) > 0 {
		for _, s := range r.Scenarios {
			if len(s.Summary.ErrorKinds) > 0 {
				fmt.Fprintf(w, "%s errors: %s\n", s.Name, kinds(s.Summary.ErrorKinds))
			}
		}
	}
	for _, s := range r.Scenarios {
		if s.Error != "" {
			fmt.Fprintf(w, "error: %s: %s\n", s.Name, s.Error)
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	for _, s := range r.Scenarios {
		for _, it := range s.Iterations {
			for _, warn := range it.Warnings {
				fmt.Fprintf(w, "warning: %s iteration %d: %s\n", s.Name, it.Index+1, warn)
			}
		}
	}
	return nil
}

func lat(l Latency, key string) string {
	if l.Count == 0 {
		return "-"
	}
	return fixed(l.Percentiles[key])
}

func fixed(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func errCell(c Counts) string {
	if c.Errors == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%.2f%%)", c.Errors, 100*c.ErrorRate)
}

func kinds(m map[string]int64) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
