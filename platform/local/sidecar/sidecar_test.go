package sidecar

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// config is a client-side and a service-side sidecar, with or without
// mTLS, with fixed paths so that golden files are stable.
func config(workload string, mtls bool) Config {
	c := Config{Workload: workload, Dir: "", Concurrency: 2, AdminAddr: "127.0.0.1:9901"}
	if workload == "client" {
		c.Routes = []Route{{Name: "client_out_svc0", Listen: "127.0.0.1:10001", Upstream: "127.0.0.1:10002", PeerName: "svc-0.smp.local"}}
	} else {
		c.Routes = []Route{
			{Name: "svc0_in", Listen: "127.0.0.1:10002", Upstream: "127.0.0.1:10000", Inbound: true},
			{Name: "svc0_out_svc1", Listen: "127.0.0.1:10003", Upstream: "127.0.0.1:10004", PeerName: "svc-1.smp.local"},
		}
	}
	if mtls {
		c.MTLS = &TLS{CA: "/certs/ca.pem", Cert: "/certs/w.pem", Key: "/certs/w-key.pem", CertKey: "/certs/w-bundle.pem", Identity: workload + ".smp.local"}
	}
	return c
}

// Every kind's generated configuration, for both sides and with and
// without mTLS, matches its golden file (go test ./platform/local/sidecar
// -update rewrites them after a deliberate change).
func TestGoldenConfigs(t *testing.T) {
	for name, kind := range Kinds() {
		for _, workload := range []string{"client", "svc-0"} {
			for _, mtls := range []bool{false, true} {
				dir := t.TempDir()
				c := config(workload, mtls)
				c.Dir = dir
				args, err := kind.Prepare(c)
				if err != nil {
					t.Fatalf("%s %s mtls=%v: %v", name, workload, mtls, err)
				}
				files, _ := filepath.Glob(filepath.Join(dir, workload+"-*"))
				var got strings.Builder
				got.WriteString("args: " + strings.ReplaceAll(strings.Join(args, " "), dir, "DIR") + "\n")
				for _, f := range files {
					if st, _ := os.Stat(f); st.IsDir() {
						continue
					}
					data, _ := os.ReadFile(f)
					got.WriteString("--- " + filepath.Base(f) + "\n")
					got.WriteString(strings.ReplaceAll(string(data), dir, "DIR"))
				}
				suffix := "plain"
				if mtls {
					suffix = "mtls"
				}
				golden := filepath.Join("testdata", name+"-"+workload+"-"+suffix+".golden")
				if *update {
					os.WriteFile(golden, []byte(got.String()), 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if got.String() != string(want) {
					t.Errorf("%s differs (go test ./platform/local/sidecar -update to accept):\n%s", golden, got.String())
				}
			}
		}
	}
}

func TestPrepareRejects(t *testing.T) {
	good := config("svc-0", true)
	good.Dir = t.TempDir()
	for name, c := range map[string]Config{
		"no routes":          {Workload: "w", Dir: good.Dir, Concurrency: 1},
		"zero concurrency":   {Workload: "w", Dir: good.Dir, Routes: good.Routes},
		"mtls without peer":  {Workload: "w", Dir: good.Dir, Concurrency: 1, MTLS: good.MTLS, Routes: []Route{{Name: "o", Listen: "a:1", Upstream: "b:2"}}},
		"route without name": {Workload: "w", Dir: good.Dir, Concurrency: 1, Routes: []Route{{Listen: "a:1", Upstream: "b:2"}}},
	} {
		for kname, k := range Kinds() {
			if _, err := k.Prepare(c); err == nil {
				t.Errorf("%s: %s accepted it", name, kname)
			}
		}
	}
	noAdmin := good
	noAdmin.AdminAddr = ""
	if _, err := (Envoy{}).Prepare(noAdmin); err == nil {
		t.Error("envoy without an admin address accepted")
	}
}
