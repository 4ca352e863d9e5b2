package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

func TestEnvironmentLine(t *testing.T) {
	cal := &report.CertifyCalibration{Runs: 3, Rate: 1000, CVP50: 0.137, CVP99: 0.8431, SendLagP99Ms: 8.8, MaxCV: 0.25, MaxSendLagMs: 1}
	tests := []struct {
		c    *report.Certify
		want string
	}{
		// Reports from before environment.certify, or --no-certify.
		{nil, ""},
		// A pass without calibration says it was not calibrated.
		{&report.Certify{Pass: true}, "Environment: certified PASS, not calibrated"},
		// A failure names the failed and warned checks by id.
		{&report.Certify{Failed: []string{"load: 2.35 on 2 CPUs", "cpu-governor: powersave (2 CPUs)"}, Warned: []string{"nofile: 20000 (hard 20000)"}, Calibration: cal},
			"Environment: certified FAIL (failed: load, cpu-governor) (warned: nofile), calibration CV p50 0.137, p99 0.843, send lag p99 8.80 ms (3 runs at 1000 req/s)"},
	}
	for _, tc := range tests {
		r := &report.Report{Environment: report.Environment{Certify: tc.c}}
		if got := EnvironmentLine(r); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.c, got, tc.want)
		}
	}
}

// The table, Markdown and HTML show the line under their title; a report
// without environment.certify renders as before (the golden files).
func TestEnvironmentHeader(t *testing.T) {
	r := fixture(t)
	var plain bytes.Buffer
	if err := Table(&plain, r, Options{}); err != nil {
		t.Fatal(err)
	}
	r.Environment.Certify = &report.Certify{Pass: true, Warned: []string{"load: 1.91 on 2 CPUs"},
		Calibration: &report.CertifyCalibration{Runs: 5, Rate: 1000, CVP50: 0.05, CVP99: 0.12, SendLagP99Ms: 0.4}}
	const want = "Environment: certified PASS (warned: load), calibration CV p50 0.050, p99 0.120, send lag p99 0.40 ms (5 runs at 1000 req/s)"
	var tb, md, html bytes.Buffer
	if err := Table(&tb, r, Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(tb.String(), "\n")
	if len(lines) < 3 || lines[1] != want || lines[2] != "" {
		t.Errorf("table header:\n%s", strings.Join(lines[:min(3, len(lines))], "\n"))
	}
	// Nothing else changed: the rest is the table without the line.
	if strings.Replace(tb.String(), "\n"+want, "", 1) != plain.String() {
		t.Errorf("the environment line changed more than its line")
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "\n\n"+want+"\n\n") {
		t.Errorf("markdown lacks %q:\n%s", want, md.String()[:300])
	}
	if err := HTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `<td id="environment-certify">`+want+`</td>`) {
		t.Errorf("HTML environment table lacks the line")
	}
}
