package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Encode writes r as indented JSON.
func Encode(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteFile writes r to path atomically: a reader sees the old file or the
// whole new one, never a torn write, even if smp is killed mid-write.
func WriteFile(path string, r *Report) error {
	dir := filepath.Dir(path)
	// Reports are made to be shared (and compared by others): the directory and
	// the file are world-readable, as mkdir and the shell would make them.
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: see above
		return fmt.Errorf("write report: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // no-op after a successful rename
	if err := Encode(f, r); err != nil {
		_ = f.Close() // cleanup on an error path: the write error is the one to report
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // cleanup on an error path: the write error is the one to report
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		_ = f.Close() // cleanup on an error path: the write error is the one to report
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

// ReadFile reads a report and checks its schema version.
func ReadFile(path string) (*Report, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: reading the report the caller named is the point
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("read report %s: schemaVersion %q: expected %q", path, r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}
