// Package format reads a results file in any format smp knows, telling
// them apart by content: an smp report (smp.report/v1), a Fortio JSON
// result (imported into a one-scenario report), or an SMP specification
// document (recognized, but refused: it carries no histograms to rebuild a
// report from).
package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	"github.com/smp-dev/smp/report/format/smp"
)

// Names of the formats Detect tells apart.
const (
	Report  = "smp-report"
	Fortio  = "fortio"
	SMP     = "smp"
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
// imported formats (Fortio).
func Decode(data []byte, o fortio.ImportOptions) (*report.Report, string, error) {
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
	return nil, Unknown, fmt.Errorf("%w: expected an smp report (schemaVersion %q), a Fortio JSON result, or an SMP document", ErrUnknown, report.SchemaVersion)
}
