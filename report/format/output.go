package format

import (
	"fmt"
	"os"
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	"github.com/smp-dev/smp/spec"
)

// DecodeFile reads the results file at path, as Decode; the outputs of
// tools that carry no time of their own (wrk, wrk2, hey) are placed at
// the file's modification time.
func DecodeFile(path string, o fortio.ImportOptions) (*report.Report, string, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: reading the file the user named is the point
	if err != nil {
		return nil, Unknown, err
	}
	ended := time.Now()
	if st, err := os.Stat(path); err == nil {
		ended = st.ModTime()
	}
	return decode(data, o, ended)
}

// importOutput turns a tool's imported output into a one-scenario,
// one-iteration report, named as o says (default: the tool's name), its
// client.generator saying what the tool measured.
func importOutput(im *loadgen.Imported, o fortio.ImportOptions) (*report.Report, error) {
	it, err := report.NewIteration(0, im.Result, report.Options{}, false)
	if err != nil {
		return nil, fmt.Errorf("%s output: %w", im.Tool, err)
	}
	sum, err := report.Summarize([]*record.Result{im.Result}, report.Options{}, false)
	if err != nil {
		return nil, fmt.Errorf("%s output: %w", im.Tool, err)
	}
	it.Warnings = append(it.Warnings, im.Notes...)
	name := o.Scenario
	if name == "" {
		name = im.Tool
		if im.URL != "" {
			name = im.URL
		}
	}
	mesh := o.MeshType
	if mesh == "" {
		mesh = "unknown"
	}
	tool := o.Tool
	if tool.Name == "" {
		tool = report.Tool{Name: im.Tool, Version: im.Result.Generator.Version}
	}
	t := &spec.Test{
		Workload: spec.Workload{URL: im.URL},
		Load: spec.Load{Generator: im.Tool, Connections: im.Connections, Rate: im.Rate,
			Duration: spec.Duration(im.Duration)},
		Iterations: 1,
	}
	return &report.Report{
		SchemaVersion: report.SchemaVersion, Tool: tool, Test: t,
		Environment: report.Environment{Labels: map[string]string{"importedFrom": im.Tool}},
		StartTime:   it.StartTime, EndTime: it.EndTime,
		Warnings:  []string{fmt.Sprintf("imported from %s's output: no resource figures; client.generator says what its latency is", im.Tool)},
		Scenarios: []report.Scenario{{Name: name, Mesh: report.Mesh{Type: mesh}, Iterations: []report.Iteration{it}, Summary: sum}},
	}, nil
}
