package main

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func ev(rate, cv float64, requests int64, serverCPU time.Duration) evenness {
	return evenness{Requests: requests, Windows: 1000, Mean: rate / 1000, CV: cv, P99: 2 * cv, Max: 3 * cv, Above2x: cv / 10, Rate: rate, ServerCPU: int64(serverCPU)}
}

// fixture: two curves at two rates; three runs of smp at 10k (the
// median of each figure taken on its own), a busy server under smp at
// 20k, and a failed run of fortio at 20k.
func fixture() (options, []generator, results) {
	o := options{rates: []int{10000, 20000}, conns: 16, runs: 3, duration: 3 * time.Second, warmup: time.Second,
		window: time.Millisecond, server: "raw", serverCPU: "0", clientCPU: "1"}
	gens := []generator{smpGen{driver: "eventloop"}, fortioGen{}}
	rs := results{}
	// smp at 10k: CPU 20, 30, 10 µs/req (median 20); CV 0.5, 0.1, 0.3 (median 0.3).
	rs.add("smp --driver eventloop", 10000, runResult{cpu: 200 * time.Millisecond, e: ev(10000, 0.5, 10000, 10*time.Millisecond)})
	rs.add("smp --driver eventloop", 10000, runResult{cpu: 300 * time.Millisecond, e: ev(9990, 0.1, 10000, 20*time.Millisecond)})
	rs.add("smp --driver eventloop", 10000, runResult{cpu: 100 * time.Millisecond, e: ev(10010, 0.3, 10000, 30*time.Millisecond)})
	// smp at 20k: the server on CPU 2.7 s of a 3 s run (90%, over the limit).
	busy := ev(20000, 0.2, 20000, 2700*time.Millisecond)
	busy.ServerWall = int64(3 * time.Second)
	rs.add("smp --driver eventloop", 20000, runResult{cpu: 300 * time.Millisecond, e: busy})
	rs.add("fortio", 10000, runResult{cpu: 50 * time.Millisecond, e: ev(10000, 1.5, 10000, 0)})
	rs.add("fortio", 20000, runResult{failed: "fortio: exit status 1"})
	return o, gens, rs
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	o, gens, rs := fixture()
	var buf bytes.Buffer
	if err := writeTable(&buf, o, gens, rs); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	var notes []string
	for line := range strings.SplitSeq(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			rows = append(rows, cells)
		case strings.HasPrefix(line, "- "):
			notes = append(notes, line)
		}
	}
	if len(rows) != 2+4 {
		t.Fatalf("%d table lines, want header, rule and 4 rows:\n%s", len(rows), buf.String())
	}
	for i, r := range rows {
		if len(r) != 10 {
			t.Errorf("line %d has %d cells, want 10: %q", i, len(r), r)
		}
	}
	want := [][]string{
		{"smp", "--driver eventloop", "10000", "10000", "20.00", "0.300", "1", "1", "0.0300", "2.00"},
		{"smp", "--driver eventloop", "20000", "20000", "15.00", "0.200", "0", "1", "0.0200", "135.00"},
		{"fortio", "-", "10000", "10000", "5.00", "1.500", "3", "4", "0.1500", "0.00"},
		{"fortio", "-", "20000", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"},
	}
	for i, w := range want {
		if got := strings.Join(rows[2+i], " ; "); got != strings.Join(w, " ; ") {
			t.Errorf("row %d:\n got %s\nwant %s", i, got, strings.Join(w, " ; "))
		}
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "smp --driver eventloop at 20000/s: the server was on CPU 90%") ||
		!strings.Contains(notes[1], "fortio at 20000/s") || !strings.Contains(notes[1], "exit status 1") {
		t.Errorf("notes %q, want the busy server under smp at 20k and the one failed fortio run", notes)
	}
}

func TestWriteSVG(t *testing.T) {
	t.Parallel()
	o, gens, rs := fixture()
	var buf bytes.Buffer
	if err := writeSVG(&buf, o, gens, rs); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName   xml.Name
		Polylines []struct {
			Series string `xml:"data-series,attr"`
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Texts []struct {
			Class string `xml:"class,attr"`
			Body  string `xml:",chardata"`
		} `xml:"text"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.XMLName.Local != "svg" {
		t.Errorf("root element %q, want svg", doc.XMLName.Local)
	}
	if len(doc.Polylines) != 2 || doc.Polylines[0].Series != "smp --driver eventloop" || doc.Polylines[1].Series != "fortio" {
		t.Fatalf("polylines %+v, want one per curve", doc.Polylines)
	}
	// fortio at 20k failed: only its 10k point is drawn.
	if n := len(strings.Fields(doc.Polylines[1].Points)); n != 1 {
		t.Errorf("fortio has %d points, want 1", n)
	}
	var labels []string
	for _, tx := range doc.Texts {
		if tx.Class == "point" {
			labels = append(labels, tx.Body)
		}
	}
	if got := strings.Join(labels, " "); got != "10k 20k 10k" {
		t.Errorf("point labels %q, want \"10k 20k 10k\"", got)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	if r, err := parseRates("10000, 25000"); err != nil || len(r) != 2 || r[1] != 25000 {
		t.Errorf("parseRates: %v, %v", r, err)
	}
	for _, bad := range []string{"", "10k", "0", "100,-1"} {
		if _, err := parseRates(bad); err == nil {
			t.Errorf("parseRates(%q): no error", bad)
		}
	}
	o := options{smp: "s", fortio: "f", vegeta: "v"}
	for _, tc := range []struct {
		only string
		want string
	}{
		{"", "smp --driver eventloop,smp --driver eventloop --send-tolerance 200us,smp --driver eventloop --send-tolerance 1ms," +
			"smp --driver uring,smp --driver uring --send-tolerance 200us,smp --driver uring --send-tolerance 1ms,smp --driver goroutines,fortio,vegeta"},
		{"smp", "smp --driver eventloop,smp --driver eventloop --send-tolerance 200us,smp --driver eventloop --send-tolerance 1ms," +
			"smp --driver uring,smp --driver uring --send-tolerance 200us,smp --driver uring --send-tolerance 1ms,smp --driver goroutines"},
		{"smp --driver eventloop --send-tolerance 1ms,fortio", "smp --driver eventloop --send-tolerance 1ms,fortio"},
		{"vegeta,smp --driver goroutines", "vegeta,smp --driver goroutines"},
	} {
		o.only = tc.only
		gens, err := o.pick()
		var names []string
		for _, g := range gens {
			names = append(names, curve(g))
		}
		if err != nil || strings.Join(names, ",") != tc.want {
			t.Errorf("-generators %q: %v, %v; want %s", tc.only, names, err, tc.want)
		}
	}
	o.only = "wrk"
	if _, err := o.pick(); err == nil || !strings.Contains(err.Error(), "wrk") {
		t.Errorf("-generators wrk: %v, want an error naming it", err)
	}
	if err := run(t.Context(), options{runs: 1, conns: 16, duration: time.Second, window: time.Millisecond, warmup: time.Second}, nil, nil); err == nil {
		t.Error("a warmup as long as the run: no error")
	}
}
