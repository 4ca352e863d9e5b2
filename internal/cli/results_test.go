package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to make a database per test

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/store"
)

var peersPath = filepath.Join("..", "..", "bench", "peers", "testdata", "smp.json")

// importThree stores three reports in a fresh store and returns the store's
// path and the IDs by name: "fixture" (test fixture: none, istio,
// linkerd; label team=a; 2026-11-26 08:00), "fortio" (a Fortio result of
// 2026-11-20, mesh unknown, imported from a directory) and "peers" (test
// load, baseline only; 2026-11-26 10:57).
func importThree(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	labeled, err := report.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	labeled.Environment.Labels = map[string]string{"team": "a"}
	fixture := filepath.Join(dir, "fixture.json")
	if err := report.WriteFile(fixture, labeled); err != nil {
		t.Fatal(err)
	}
	fortioDir := filepath.Join(dir, "fortio")
	data, err := os.ReadFile(fortioPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Mkdir(fortioDir, 0o755)
	for name, content := range map[string][]byte{"a.json": data, "notes.txt": []byte("not a result")} {
		if err := os.WriteFile(filepath.Join(fortioDir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := smp(t, "results", "import", "--store", db, fixture, fortioDir, peersPath)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	ids := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id, file, _ := strings.Cut(line, "\t")
		switch {
		case strings.HasSuffix(file, "fixture.json"):
			ids["fixture"] = id
		case strings.HasSuffix(file, "a.json"):
			ids["fortio"] = id
		case strings.HasSuffix(file, "smp.json"):
			ids["peers"] = id
		}
	}
	if len(ids) != 3 {
		t.Fatalf("import printed %q; want an ID for each of 3 files", out)
	}
	return db, ids
}

func TestResultsList(t *testing.T) {
	db, ids := importThree(t)
	tests := []struct {
		name string
		args []string
		want []string // IDs in order
	}{
		{"all, newest first", nil, []string{ids["peers"], ids["fixture"], ids["fortio"]}},
		{"test", []string{"--test", "fixture"}, []string{ids["fixture"]}},
		{"mesh", []string{"--mesh", "istio"}, []string{ids["fixture"]}},
		{"mesh none", []string{"--mesh", "none"}, []string{ids["peers"], ids["fixture"]}},
		{"label", []string{"--label", "team=a"}, []string{ids["fixture"]}},
		{"label no match", []string{"--label", "team=b"}, nil},
		{"since date", []string{"--since", "2026-11-25"}, []string{ids["peers"], ids["fixture"]}},
		{"until time", []string{"--until", "2026-11-26T09:00:00Z"}, []string{ids["fixture"], ids["fortio"]}},
		{"since duration", []string{"--since", "100000d"}, []string{ids["peers"], ids["fixture"], ids["fortio"]}},
		{"since recent", []string{"--since", "1h", "--until", "2100-01-01"}, nil},
		{"limit", []string{"--limit", "1"}, []string{ids["peers"]}},
	}
	for _, tc := range tests {
		code, out, errOut := smp(t, append([]string{"results", "list", "--store", db, "-o", "json"}, tc.args...)...)
		var runs []store.Run
		if code != 0 || json.Unmarshal([]byte(out), &runs) != nil {
			t.Errorf("%s: exit %d: %s %s", tc.name, code, out, errOut)
			continue
		}
		var got []string
		for _, r := range runs {
			got = append(got, r.ID)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	code, out, _ := smp(t, "results", "list", "--store", db)
	if code != 0 || !strings.Contains(out, ids["fixture"]+"  2026-11-26 08:00:00  fixture") || !strings.Contains(out, "none,istio,linkerd") || !strings.Contains(out, "team=a") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	code, out, _ = smp(t, "results", "list", "--store", db, "-o", "csv", "--test", "load")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], ids["peers"]+",2026-11-26T10:57:11Z,load,local,none,") {
		t.Errorf("csv: exit %d\n%s", code, out)
	}
	// SMP_STORE names the store when --store is not given.
	t.Setenv("SMP_STORE", db)
	if code, out, _ := smp(t, "results", "list", "--test", "fixture"); code != 0 || !strings.Contains(out, ids["fixture"]) {
		t.Errorf("with SMP_STORE: exit %d\n%s", code, out)
	}
}

func TestResultsVerbs(t *testing.T) {
	db, ids := importThree(t)
	fx := ids["fixture"]
	out := filepath.Join(t.TempDir(), "export.json")
	tests := []struct {
		name string
		args []string
		code int
		out  string // a part of stdout, or of stderr when the exit code is not 0
	}{
		{"show", []string{"show", fx}, 0, "95% CI istio"},
		{"show prefix", []string{"show", fx[:6], "-o", "markdown"}, 0, "| p99 ms |"},
		{"show upper-case prefix", []string{"show", strings.ToUpper(fx[:8]), "-o", "csv"}, 0, "scenario,"},
		{"show fortio", []string{"show", fx, "-o", "fortio", "--scenario", "istio"}, 0, `"RetCodes"`},
		{"show smp", []string{"show", ids["peers"], "-o", "smp"}, 0, `"smp_version": "v0.6.1"`},
		{"show bad format", []string{"show", fx, "-o", "pdf"}, 2, `-o "pdf"`},
		{"show short id", []string{"show", fx[:3]}, 2, `run id "` + fx[:3] + `": expected 4 to 16 hex digits`},
		{"show not hex", []string{"show", "zzzz"}, 2, `run id "zzzz": expected 4 to 16 hex digits`},
		{"show unknown", []string{"show", unknownID(ids)}, 2, `run id "` + unknownID(ids) + `": no such run`},
		{"export", []string{"export", fx}, 0, `"schemaVersion": "smp.report/v1"`},
		{"export fortio", []string{"export", ids["fortio"], "-o", "fortio"}, 0, `"DurationHistogram"`},
		{"export table", []string{"export", fx, "-o", "table"}, 2, `-o "table": expected one of json, smp, fortio`},
		{"compare", []string{"compare", fx, fx, "--baseline", "baseline", "--scenario", "istio"}, 0, "Δ istio"},
		{"compare json", []string{"compare", fx[:5], fx, "-o", "json"}, 0, `"verdict": "not significant"`},
		{"compare unknown", []string{"compare", fx, unknownID(ids)}, 2, "no such run"},
		{"import missing", []string{"import", filepath.Join(t.TempDir(), "nope.json")}, 2, "no such file"},
		{"import spec", []string{"import", "testdata/short.yaml"}, 2, "1 of 1 files not imported"},
	}
	for _, tc := range tests {
		code, stdout, stderr := smp(t, append([]string{"results", tc.args[0], "--store", db}, tc.args[1:]...)...)
		text := stdout
		if tc.code != 0 {
			text = stderr
		}
		if code != tc.code || !strings.Contains(text, tc.out) {
			t.Errorf("%s: exit %d, want %d; output lacks %q:\n%.600s\n%s", tc.name, code, tc.code, tc.out, stdout, stderr)
		}
	}

	// Export to a file: the report as stored.
	if code, _, errOut := smp(t, "results", "export", "--store", db, fx, "--file", out); code != 0 {
		t.Fatalf("export --file: exit %d: %s", code, errOut)
	}
	r, err := report.ReadFile(out)
	if id, _ := store.RunID(r); err != nil || id != fx {
		t.Errorf("exported report: %v, id %s; want the stored run %s", err, id, fx)
	}

	// Delete: an unknown ID deletes nothing; then two are deleted.
	code, _, errOut := smp(t, "results", "delete", "--store", db, fx, unknownID(ids))
	if code != ExitUsage || !strings.Contains(errOut, unknownID(ids)) {
		t.Errorf("delete unknown: exit %d: %s", code, errOut)
	}
	if code, _, errOut := smp(t, "results", "delete", "--store", db, fx[:6], ids["fortio"]); code != 0 || strings.Count(errOut, "deleted: run") != 2 {
		t.Errorf("delete: exit %d: %s", code, errOut)
	}
	code, stdout, _ := smp(t, "results", "list", "--store", db, "-o", "json")
	var runs []store.Run
	if code != 0 || json.Unmarshal([]byte(stdout), &runs) != nil || len(runs) != 1 || runs[0].ID != ids["peers"] {
		t.Errorf("after delete: exit %d, %s; want only %s", code, stdout, ids["peers"])
	}
	if code, _, errOut := smp(t, "results", "show", "--store", db, fx); code != ExitUsage || !strings.Contains(errOut, "no such run") {
		t.Errorf("show deleted: exit %d: %s", code, errOut)
	}
}

// unknownID is a 16-digit ID that none of ids starts with.
func unknownID(ids map[string]string) string {
	id := "0000000000000000"
	for _, v := range ids {
		if v == id {
			return "1111111111111111"
		}
	}
	return id
}

func TestResultsListBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "results.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, `--since "yesterday": expected a duration back from now`},
		{[]string{"--until", "2026-13-01"}, `--until "2026-13-01"`},
		{[]string{"--label", "team"}, `--label "team": expected key=value`},
		{[]string{"--limit", "-1"}, "--limit -1: expected 0"},
		{[]string{"-o", "xml"}, `-o "xml": expected table, json or csv`},
		{[]string{"extra"}, "unknown command"},
	} {
		code, _, errOut := smp(t, append([]string{"results", "list", "--store", db}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("list %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// A store that cannot be opened is a warning, not a failed run or a lost
// report; --no-store skips it; the default store is $SMP_STORE.
func TestLoadStores(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(dir, "fixture.json")
	code, _, errOut := smp(t, "load", "http://127.0.0.1:1/", "--rate", "50", "-d", "300ms", "--warmup", "0s",
		"--report", fixture, "--store", "postgres://smp:hunter2@127.0.0.1:1/smp?connect_timeout=2")
	if code != ExitFailed || !strings.Contains(errOut, "warning: report not stored: store postgres://smp:xxxxx@127.0.0.1:1/smp") ||
		strings.Contains(errOut, "hunter2") {
		t.Errorf("unreachable store: exit %d (want 1: every request failed), stderr %s", code, errOut)
	}
	if _, err := os.Stat(fixture); err != nil {
		t.Errorf("the report must be written whatever the store: %v", err)
	}
	db := filepath.Join(dir, "results.db")
	t.Setenv("SMP_STORE", db)
	code, _, errOut = smp(t, "load", "http://127.0.0.1:1/", "--rate", "50", "-d", "300ms", "--warmup", "0s", "--no-store")
	if code != ExitFailed || strings.Contains(errOut, "stored") {
		t.Errorf("--no-store: exit %d, stderr %s", code, errOut)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("--no-store created the store")
	}
	code, _, errOut = smp(t, "load", "http://127.0.0.1:1/", "--rate", "50", "-d", "300ms", "--warmup", "0s")
	if code != ExitFailed || !strings.Contains(errOut, "stored: run ") {
		t.Errorf("SMP_STORE: exit %d, stderr %s", code, errOut)
	}
	code, out, _ := smp(t, "results", "list", "--test", "load", "-o", "csv")
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("the stored load run: exit %d\n%s", code, out)
	}
}

// Postgres: list runs imported into a server's store (a database of the
// test's own), when one is given.
func TestResultsListPostgres(t *testing.T) {
	base := os.Getenv("SMP_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("SMP_TEST_POSTGRES_DSN is not set: no PostgreSQL server (scripts/postgres up; export SMP_TEST_POSTGRES_DSN=$(scripts/postgres dsn))")
	}
	dsn := postgresDatabase(t, base)
	code, out, errOut := smp(t, "results", "import", "--store", dsn, fixturePath, peersPath)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	id, _, _ := strings.Cut(out, "\t")
	code, out, errOut = smp(t, "results", "list", "--store", dsn, "--mesh", "linkerd")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "none,istio,linkerd") || strings.Count(out, "\n") != 2 {
		t.Errorf("list: exit %d\n%s\n%s", code, out, errOut)
	}
}

// postgresDatabase creates a database on the server base names, dropped
// when the test ends, and returns its DSN.
func postgresDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	name := fmt.Sprintf("smp_cli_test_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
