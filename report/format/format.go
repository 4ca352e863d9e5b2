// Package format reads a results file in any format smp knows, telling
// them apart by content: an smp report (smp.report/v1), a Fortio JSON
// result or another load generator's output (wrk, wrk2, Nighthawk,
// vegeta, hey; each imported into a one-scenario report), or an SMP specification
// document (recognized, but refused: it carries no histograms to rebuild a
// report from).
package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	"github.com/smp-dev/smp/report/format/smp"
)

// Names of the formats Detect tells apart.
const (
	Report = "smp-report"
	Fortio = "fortio"
	SMP    = "smp"
	// Output is another load generator's output (package loadgen's
	// Import: wrk, wrk2, Nighthawk, vegeta, hey).
	Output  = "generator-output"
	Unknown = "unknown"
)

// ErrUnknown is returned for data in no known format.
var ErrUnknown = errors.New("unknown results format")

// Detect names the format of data.
func Detect(data []byte) string {
	var probe struct {
		SchemaVersion *string `json:"schemaVersion"`
	}
	if json.Unmarshal(data, &probe) == nil && probe.SchemaVersion != nil {
		return Report
	}
	switch {
	case fortio.Detect(data):
		return Fortio
	case smp.Detect(data):
		return SMP
	}
	return Unknown
}

// Decode reads data as a report, whatever its format; o applies to
// imported formats (Fortio, and the other tools' outputs).
func Decode(data []byte, o fortio.ImportOptions) (*report.Report, string, error) {
	return decode(data, o, time.Now())
}

// decode is Decode with the time a tool's output without times of its
// own ended.
func decode(data []byte, o fortio.ImportOptions, ended time.Time) (*report.Report, string, error) {
	switch f := Detect(data); f {
	case Report:
		var r report.Report
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&r); err != nil {
			return nil, f, fmt.Errorf("smp report: %w", err)
		}
		if r.SchemaVersion != report.SchemaVersion {
			return nil, f, fmt.Errorf("smp report: schemaVersion %q: expected %q", r.SchemaVersion, report.SchemaVersion)
		}
		return &r, f, nil
	case Fortio:
		res, err := fortio.Decode(data)
		if err != nil {
			return nil, f, err
		}
		r, err := fortio.Import(res, o)
		return r, f, err
	case SMP:
		return nil, f, fmt.Errorf("an SMP specification document holds summary latencies only, no histograms: smp cannot rebuild a report from it; expected an smp report or a Fortio result")
	}
	im, err := loadgen.Import(data, ended)
	switch {
	case err == nil:
		r, err := importOutput(im, o)
		return r, Output, err
	case !errors.Is(err, loadgen.ErrUnknownOutput):
		return nil, Output, err
	}
	return nil, Unknown, fmt.Errorf("%w: expected an smp report (schemaVersion %q), a Fortio JSON result, wrk's or wrk2's text summary, Nighthawk's JSON output, vegeta's JSON results (vegeta encode --to json), hey's CSV (-o csv), or an SMP document", ErrUnknown, report.SchemaVersion)
}
