// Package store keeps every smp report and finds them again. A Store holds
// each report whole (its JSON, histograms included) beside an index row per
// run (test name, spec hash, machine fingerprint, platform, time, labels)
// and per scenario (mesh type and version, headline figures), so runs can
// be listed and filtered without reading their reports.
//
// Two implementations share one SQL schema and one set of queries: SQLite
// (pure Go, embedded; the default, a file in the user's data directory) and
// PostgreSQL (a shared server). Open picks one from a DSN. The schema is
// versioned: opening a store applies the migration steps it lacks, each in
// a transaction.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/smp-dev/smp/report"
)

// Store keeps reports. Its methods are safe for concurrent use, and several
// processes may share one store.
type Store interface {
	// Put stores a report and returns its index row. Putting the same
	// report twice keeps one copy (the ID is derived from its content).
	Put(ctx context.Context, r *report.Report) (Run, error)
	// Get returns the stored report, or a *NotFoundError.
	Get(ctx context.Context, id string) (*report.Report, error)
	// List returns the runs that pass f, newest start first.
	List(ctx context.Context, f Filter) ([]Run, error)
	// Delete removes a run, or returns a *NotFoundError.
	Delete(ctx context.Context, id string) error
	// Close releases the store's connections.
	Close() error
}

// Run is the index row of one stored report.
type Run struct {
	ID string `json:"id"`
	// Test is the spec's metadata.name.
	Test string `json:"test"`
	// SpecHash identifies the spec as run (SpecHash): runs with equal
	// hashes ran the same test.
	SpecHash string `json:"specHash"`
	// Fingerprint identifies the machine (Fingerprint).
	Fingerprint string `json:"fingerprint"`
	// Platform is the spec's environment.platform (local, kubernetes).
	Platform    string `json:"platform"`
	ToolVersion string `json:"toolVersion"`
	// Labels are the spec's metadata.labels overlaid with the run's
	// environment labels.
	Labels    map[string]string `json:"labels,omitempty"`
	StartTime time.Time         `json:"startTime"`
	EndTime   time.Time         `json:"endTime"`
	Partial   bool              `json:"partial,omitempty"`
	// Scenarios are in report order.
	Scenarios []ScenarioRun `json:"scenarios"`
}

// MeshTypes returns the distinct mesh types of the run's scenarios, in
// scenario order ("none" for the baseline).
func (r Run) MeshTypes() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range r.Scenarios {
		if !seen[s.MeshType] {
			seen[s.MeshType] = true
			out = append(out, s.MeshType)
		}
	}
	return out
}

// ScenarioRun is the headline of one scenario of a run: what carried the
// traffic and the summary's main figures.
type ScenarioRun struct {
	Name        string `json:"name"`
	MeshType    string `json:"meshType"`
	MeshVersion string `json:"meshVersion,omitempty"`
	MTLS        bool   `json:"mtls,omitempty"`
	// AchievedRate is in requests/s; ErrorRate is 0..1.
	AchievedRate float64 `json:"achievedRate"`
	ErrorRate    float64 `json:"errorRate"`
	// Latency percentiles of the summary, ms (0 when the summary has
	// none).
	P50Ms  float64 `json:"p50Ms"`
	P99Ms  float64 `json:"p99Ms"`
	P999Ms float64 `json:"p999Ms"`
	// ProxyCPUMcores and ProxyMemMB are per proxy (the summary's proxy
	// role average); nil when the scenario measured no proxy.
	ProxyCPUMcores *float64 `json:"proxyCpuMcores,omitempty"`
	ProxyMemMB     *float64 `json:"proxyMemMB,omitempty"`
}

// Filter selects runs; zero fields select everything.
type Filter struct {
	// Test is the exact test name.
	Test string
	// Mesh keeps runs with at least one scenario of this mesh type.
	Mesh string
	// Since and Until bound the start time: Since <= start < Until.
	Since, Until time.Time
	// Labels keeps runs carrying every one of these key=value pairs.
	Labels      map[string]string
	SpecHash    string
	Fingerprint string
	// Limit caps the number of runs returned (newest first); 0 = no cap.
	Limit int
}

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = errors.New("not found")

// NotFoundError says no run has the ID.
type NotFoundError struct {
	ID string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("run %q: not found", e.ID)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// DefaultPath is where the default SQLite store lives:
// $XDG_DATA_HOME/smp/results.db, else ~/.local/share/smp/results.db; on
// macOS and Windows under os.UserConfigDir (Application Support, AppData).
func DefaultPath() (string, error) {
	switch runtime.GOOS {
	case "darwin", "ios", "windows", "plan9":
		dir, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("store: default path: %w", err)
		}
		return filepath.Join(dir, "smp", "results.db"), nil
	}
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "smp", "results.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("store: default path: %w", err)
	}
	return filepath.Join(home, ".local", "share", "smp", "results.db"), nil
}
