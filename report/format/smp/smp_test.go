package smp

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixture(t testing.TB) *report.Report {
	t.Helper()
	r, err := report.ReadFile(filepath.Join("..", "..", "testdata", "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExportGolden(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	r.Test.Load.Request.Headers = map[string]string{"content-type": "application/json", "Authorization": "REDACTED"}
	var buf bytes.Buffer
	if err := Write(&buf, Export(r)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "fixture.smp.golden.json")
	if *update {
		os.WriteFile(path, buf.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs (-update to accept):\n%s", path, buf.String())
	}
	out := buf.String()
	// No placeholders: nothing empty, zero-valued or redacted is written.
	for _, bad := range []string{`""`, `: 0,`, `: 0\n`, "REDACTED", "null"} {
		if strings.Contains(out, bad) {
			t.Errorf("export holds %s", bad)
		}
	}
	d := Export(r)
	istio := d.Results[1]
	if istio.Mesh.MeshType == nil || istio.Mesh.MeshType.Type != "ISTIO" || !istio.Mesh.MTLSEnabled || istio.Mesh.Sidecar.Count != 2 || istio.Mesh.Sidecar.CPUMcores != 430 || istio.Mesh.Sidecar.MemMB != 118 {
		t.Errorf("istio mesh %+v sidecar %+v", istio.Mesh, istio.Mesh.Sidecar)
	}
	if l := istio.Result.LatenciesMs; l.P99 != r.Scenarios[1].Summary.Latency.Percentiles["p99"] || istio.Result.ActualQPS != 992.333 {
		t.Errorf("istio result %+v", istio.Result)
	}
	// The baseline has no mesh type and no sidecar.
	if base := d.Results[0].Mesh; base.MeshType != nil || base.Sidecar != nil {
		t.Errorf("baseline mesh %+v", base)
	}
	if c := d.Test.Clients[0]; c.Protocol != ProtocolHTTP || c.RPS != 1000 || c.ContentType != "application/json" || c.EndpointURLs[0] != "http://127.0.0.1:8080/" {
		t.Errorf("client %+v", c)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	raw, _ := json.Marshal(Export(fixture(t)))
	d, err := Decode(raw)
	if err != nil || len(d.Results) != 3 {
		t.Fatalf("%v %v", d, err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"fortio", `{"DurationHistogram":{}}`, "not an SMP document"},                    // another format
		{"unknown field", `{"test":{},"results":[],"extra":1}`, `unknown field "extra"`}, // strict
	} {
		if _, err := Decode([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("testdata", "fixture.smp.golden.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"test":{},"results":[{"mesh":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
		if err != nil {
			return
		}
		// What decodes re-encodes and decodes the same.
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(again); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
