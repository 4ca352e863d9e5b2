package loadjob_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/platform/kubernetes/loadjob"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// TestWorkerRuns runs two clients' shares against a target in this
// process: one from a shared start ahead, one whose start has passed. Each
// writes its framed result with its index, rate and lateness.
func TestWorkerRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := target.Start(ctx, target.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts, err := spec.Parse([]byte(`apiVersion: smp/v1alpha1
kind: Test
metadata: {name: worker}
workload: {url: "`+srv.URL()+`"}
load: {connections: 3, rate: 200, duration: 1s, warmup: 200ms, timeout: 1s, driver: goroutines}
meshes: [{name: baseline, type: none}]
`), "worker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		index int
		start time.Time
		late  bool
	}{
		{0, time.Now().Add(300 * time.Millisecond), false},
		{1, time.Now().Add(-2 * time.Second), true},
	} {
		var out, log bytes.Buffer
		w := &loadjob.Worker{Test: ts, Target: srv.URL(), Clients: 2, Index: tc.index, Start: tc.start, Pod: "p", Prepare: prepare(t), Log: &log}
		began := time.Now()
		if err := w.Run(ctx, &out); err != nil {
			t.Fatalf("client %d: %v\n%s", tc.index, err, log.String())
		}
		if !tc.late && time.Since(began) < 300*time.Millisecond+time.Second-50*time.Millisecond {
			t.Errorf("client %d did not wait for the start: ran %v", tc.index, time.Since(began))
		}
		if strings.Contains(out.String(), "smp worker:") {
			t.Errorf("progress on stdout: %s", out.String())
		}
		res, err := loadjob.ReadFrame(out.Bytes())
		if err != nil {
			t.Fatalf("client %d: %v", tc.index, err)
		}
		c := res.Clients
		if len(c) != 1 || c[0].Index != tc.index || c[0].Pod != "p" || c[0].RequestedRate != 100 || c[0].Requests != res.Requests {
			t.Fatalf("client %d: share %+v", tc.index, c)
		}
		// 100/s over 0.8 s: 80 sends, give or take the edges.
		if res.Requests < 70 || res.Requests > 90 || res.Errors != 0 {
			t.Errorf("client %d: %d requests, %d errors; want about 80, 0", tc.index, res.Requests, res.Errors)
		}
		if tc.late != (c[0].StartLate >= 2*time.Second) || (!tc.late && c[0].StartLate != 0) {
			t.Errorf("client %d: start late %v", tc.index, c[0].StartLate)
		}
		if !strings.Contains(log.String(), "client "+string(rune('0'+tc.index))+" of 2: 100 req/s, ") {
			t.Errorf("client %d log: %s", tc.index, log.String())
		}
	}
}

// prepare is the worker's Prepare as smp worker sets it: run.PrepareLoad,
// an external generator's files in a temporary folder of t.
func prepare(t *testing.T) func(*spec.Test, string) (loadjob.Load, error) {
	work := t.TempDir()
	return func(ts *spec.Test, target string) (loadjob.Load, error) {
		return run.PrepareLoad(ts, target, work)
	}
}

// A worker drives an external generator (fortio) with its share of the
// load, from the shared start: the tool runs the share's rate, and the
// result names it. A worker whose tool is missing fails before the start.
func TestWorkerExternalGenerator(t *testing.T) {
	fortio, err := exec.LookPath("fortio")
	if err != nil {
		t.Skip("fortio is not on PATH (scripts/install-deps installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := target.Start(ctx, target.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts, err := spec.Parse([]byte(`apiVersion: smp/v1alpha1
kind: Test
metadata: {name: worker}
workload: {url: "`+srv.URL()+`"}
load: {generator: fortio, generatorPath: "`+fortio+`", connections: 4, rate: 200, duration: 2s, warmup: 500ms, timeout: 1s}
meshes: [{name: baseline, type: none}]
`), "worker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out, log bytes.Buffer
	// Client 1 of 2: 100 req/s over 2 connections.
	w := &loadjob.Worker{Test: ts, Target: srv.URL(), Clients: 2, Index: 1, Start: time.Now().Add(200 * time.Millisecond),
		Pod: "p", Prepare: prepare(t), Log: &log}
	if err := w.Run(ctx, &out); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "client 1 of 2: 100 req/s, 2 connections, 2s, target "+srv.URL()+", generator fortio") {
		t.Errorf("log: %s", log.String())
	}
	res, err := loadjob.ReadFrame(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if res.Generator == nil || res.Generator.Name != "fortio" {
		t.Fatalf("generator %+v, want fortio", res.Generator)
	}
	c := res.Clients
	if len(c) != 1 || c[0].Index != 1 || c[0].Pod != "p" || c[0].RequestedRate != 100 {
		t.Fatalf("share %+v", c)
	}
	// 100/s over the 1.5 s window: about 150, not the whole 200/s's 300.
	if res.Requests < 120 || res.Requests > 180 || res.Errors != 0 {
		t.Errorf("%d requests, %d errors; want about 150, 0", res.Requests, res.Errors)
	}

	ts.Load.GeneratorPath = ""
	t.Setenv("PATH", t.TempDir())
	out.Reset()
	w = &loadjob.Worker{Test: ts, Target: srv.URL(), Clients: 1, Start: time.Now().Add(time.Hour), Prepare: prepare(t)}
	err = w.Run(ctx, &out)
	if !errors.Is(err, loadgen.ErrNotFound) || !strings.Contains(err.Error(), `load generator not found: fortio: no "fortio" on PATH`) || out.Len() != 0 {
		t.Errorf("no fortio: %v, %d bytes out; want loadgen.ErrNotFound at once", err, out.Len())
	}
}
