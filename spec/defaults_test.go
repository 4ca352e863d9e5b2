package spec

import (
	"reflect"
	"testing"
	"time"
)

// TestApplyDefaults checks which zero values ApplyDefaults fills, which it
// leaves (their zero is a legal setting), and that it is idempotent.
func TestApplyDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Test
		want func(*Test)
	}{
		// A zero test gets every default whose zero is not legal; rate,
		// warmup and responseSize stay 0; apiVersion and kind stay empty.
		{"zero", Test{}, func(w *Test) {
			*w = *Default()
			w.APIVersion, w.Kind = "", ""
			w.Load.Rate, w.Load.Warmup, w.Workload.ResponseSize = 0, 0, 0
		}},
		// Values set are kept.
		{"set values kept", Test{
			Workload: Workload{URL: "http://h/"},
			Load:     Load{Connections: 3, Duration: Duration(time.Minute), Request: Request{Method: "POST"}},
			Meshes:   []Mesh{{Name: "m", Type: MeshNone}},
		}, func(w *Test) {
			*w = *Default()
			w.APIVersion, w.Kind = "", ""
			w.Workload = Workload{URL: "http://h/"}
			w.Load.Rate, w.Load.Warmup = 0, 0
			w.Load.Connections, w.Load.Duration, w.Load.Request.Method = 3, Duration(time.Minute), "POST"
			w.Meshes = []Mesh{{Name: "m", Type: MeshNone}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			got.ApplyDefaults()
			var want Test
			tt.want(&want)
			if !reflect.DeepEqual(&got, &want) {
				t.Errorf("got\n%s\nwant\n%s", mustJSON(t, &got), mustJSON(t, &want))
			}
			again := got
			again.ApplyDefaults()
			if !reflect.DeepEqual(&again, &got) {
				t.Error("ApplyDefaults is not idempotent")
			}
		})
	}
}

// TestDefault checks that Default is complete but for the name, and that
// each call returns a fresh test.
func TestDefault(t *testing.T) {
	d := Default()
	if err := d.Validate(); err == nil {
		t.Error("Default() validates without a name")
	}
	d.Metadata.Name = "x"
	if err := d.Validate(); err != nil {
		t.Errorf("Default() with a name: %v", err)
	}
	d.Meshes[0].Name = "changed"
	if Default().Meshes[0].Name != "baseline" {
		t.Error("Default() shares its meshes between calls")
	}
}
