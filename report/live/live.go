// Package live is the feed of a run while it goes: the run appends one JSON
// line per event (its start, about one per second of load, its end) to a
// file of its own in a shared directory, and any number of readers (smp
// serve's live page) list the directory and follow the files. Files, not
// sockets: a run needs no server to be watched, a dashboard started later
// still sees it, and nothing is lost when nobody watches.
package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/smp-dev/smp/internal/clip"
)

// DirEnv names the feed directory; by default it is "live" beside the
// default results store.
const DirEnv = "SMP_LIVE_DIR"

// Kinds of event.
const (
	KindStart = "start"
	KindTick  = "tick"
	KindEnd   = "end"
)

// Event is one line of a feed.
type Event struct {
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`

	// Start: the test and the process running it.
	Test string `json:"test,omitempty"`
	PID  int    `json:"pid,omitempty"`

	// Tick: the running iteration's position and its last finished
	// second (Second is that second's start from the load's start).
	Scenario      string  `json:"scenario,omitempty"`
	Iteration     int     `json:"iteration,omitempty"`
	Iterations    int     `json:"iterations,omitempty"`
	ElapsedS      float64 `json:"elapsedS,omitempty"`
	DurationS     float64 `json:"durationS,omitempty"`
	Warmup        bool    `json:"warmup,omitempty"`
	RequestedRate float64 `json:"requestedRate,omitempty"`
	Requests      int64   `json:"requests,omitempty"`
	Errors        int64   `json:"errors,omitempty"`
	Second        float64 `json:"second,omitempty"`
	LastRequests  int64   `json:"lastRequests,omitempty"`
	LastErrors    int64   `json:"lastErrors,omitempty"`
	P50Ms         float64 `json:"p50Ms,omitempty"`
	P99Ms         float64 `json:"p99Ms,omitempty"`

	// End: the stored run (empty when it was not stored), whether the
	// report is partial, and the run's error, if any.
	RunID   string `json:"runId,omitempty"`
	Partial bool   `json:"partial,omitempty"`
	Error   string `json:"error,omitempty"`
}

// keyPattern is the shape of a feed's key (its file name without
// ".jsonl"): the start in Unix nanoseconds and the process id. Anything
// else is refused, so a key from a request never names another file.
var keyPattern = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,10}$`)

// ErrBadKey is matched (errors.Is) by the error of a malformed key.
var ErrBadKey = errors.New("not a live feed key")

// CheckKey returns an error wrapping ErrBadKey unless key has a feed key's
// shape.
func CheckKey(key string) error {
	if !keyPattern.MatchString(key) {
		return fmt.Errorf("live feed %q: %w (expected START-PID, digits)", clip.String(key, 64), ErrBadKey)
	}
	return nil
}

// Dir is the feed directory: $SMP_LIVE_DIR, else "live" beside the default
// results store (base is store.DefaultPath's directory).
func Dir(base string) string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	return filepath.Join(base, "live")
}

func path(dir, key string) string { return filepath.Join(dir, key+".jsonl") }
