package format

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	"github.com/smp-dev/smp/report/format/smp"
)

func read(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeDetects(t *testing.T) {
	t.Parallel()
	rep := read(t, "..", "testdata", "fixture.json")
	r, _ := report.ReadFile(filepath.Join("..", "testdata", "fixture.json"))
	smpDoc, _ := json.Marshal(smp.Export(r))
	tests := []struct {
		name    string
		data    []byte
		format  string
		wantErr string
	}{
		{"smp report", rep, Report, ""},                                                        // our own
		{"fortio", read(t, "fortio", "testdata", "fortio-http.json"), Fortio, ""},              // imported
		{"smp document", smpDoc, SMP, "no histograms"},                                         // recognized, refused
		{"other schema", []byte(`{"schemaVersion":"smp.report/v9"}`), Report, "smp.report/v9"}, // a future version
		{"garbage", []byte(`[1,2]`), Unknown, "unknown results format"},                        // nothing known
	}
	for _, tc := range tests {
		got, f, err := Decode(tc.data, fortio.ImportOptions{})
		if f != tc.format {
			t.Errorf("%s: format %q, want %q", tc.name, f, tc.format)
		}
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got == nil || len(got.Scenarios) == 0 {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, _, err := Decode([]byte(`{}`), fortio.ImportOptions{}); !errors.Is(err, ErrUnknown) {
		t.Errorf("empty object: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(read(f, "fortio", "testdata", "fortio-http.json"))
	f.Add([]byte(`{"schemaVersion":"smp.report/v1","scenarios":[{"name":"a"}]}`))
	f.Add([]byte(`{"test":{},"results":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, _, err := Decode(data, fortio.ImportOptions{})
		if err == nil && r == nil {
			t.Fatal("no report and no error")
		}
	})
}
