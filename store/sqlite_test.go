package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

// TestSQLiteReopen closes a store and opens it again: everything is there.
func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "results.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := threeReports(t)
	var before []Run
	for _, r := range []*report.Report{a, b, c} {
		if _, err := s.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if before, err = s.List(ctx, Filter{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The sqlite:// form of the same path.
	s = openT(t, "sqlite://"+path)
	after, err := s.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jsonOf(t, after), jsonOf(t, before)) || len(after) != 3 {
		t.Errorf("after reopening:\n%s\nbefore:\n%s", jsonOf(t, after), jsonOf(t, before))
	}
	got, err := s.Get(ctx, before[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jsonOf(t, got), jsonOf(t, a)) {
		t.Error("report a differs after reopening")
	}
	var mode string
	if err := s.(*sqlStore).db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
}

// TestDefaultPath follows XDG_DATA_HOME, and Open("") opens the store
// there.
func TestDefaultPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_DATA_HOME applies on Linux and the BSDs")
	}
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	want := filepath.Join(dir, "smp", "results.db")
	if got, err := DefaultPath(); err != nil || got != want {
		t.Errorf("DefaultPath() = %q, %v; want %q", got, err, want)
	}
	openT(t, "")
	if _, err := os.Stat(want); err != nil {
		t.Errorf("Open(\"\") made no store at %s: %v", want, err)
	}
	// A relative XDG_DATA_HOME is ignored, as the XDG spec says.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "relative")
	if got, err := DefaultPath(); err != nil || got != filepath.Join(home, ".local", "share", "smp", "results.db") {
		t.Errorf("DefaultPath() with a relative XDG_DATA_HOME = %q, %v", got, err)
	}
}

// TestSQLiteBadPath: a store that cannot be created fails naming its path.
func TestSQLiteBadPath(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("not a database, and not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dsn := range []string{
		filepath.Join(file, "results.db"), // its directory is a file
		file,                              // not a database
		"sqlite://",                       // no path
		file + "?mode=ro",                 // a '?' in the path
	} {
		s, err := Open(ctx, dsn)
		if err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
			continue
		}
		if !strings.Contains(err.Error(), strings.TrimPrefix(dsn, "sqlite://")) {
			t.Errorf("Open(%q) error %q does not name it", dsn, err)
		}
	}
}
