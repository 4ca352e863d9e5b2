package live

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/smp-dev/smp/internal/clip"
)

// Writer appends a run's events to its feed file. Its methods are safe for
// concurrent use; after a write fails, the rest are skipped (a feed is a
// view, never a reason to stop a run) and Err says why.
type Writer struct {
	mu  sync.Mutex
	f   *os.File
	key string
	err error
	now func() time.Time
}

// Create starts a feed for test in dir (created if missing), writes its
// start event, and removes feeds of runs that ended or died more than
// keep ago.
func Create(dir, test string, keep time.Duration) (*Writer, error) {
	// Readable by others, like the results store beside it: a dashboard
	// may run as another user.
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: see above
		return nil, fmt.Errorf("live feed: %w", err)
	}
	Prune(dir, keep)
	now := time.Now()
	key := strconv.FormatInt(now.UnixNano(), 10) + "-" + strconv.Itoa(os.Getpid())
	f, err := os.OpenFile(path(dir, key), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644) //nolint:gosec // G302: as the directory
	if err != nil {
		return nil, fmt.Errorf("live feed: %w", err)
	}
	w := &Writer{f: f, key: key, now: time.Now}
	w.write(Event{Kind: KindStart, Test: test, PID: os.Getpid()})
	if w.err != nil {
		// The write error is the one to report.
		_ = f.Close()
		_ = os.Remove(path(dir, key))
		return nil, w.err
	}
	return w, nil
}

// Key is the feed's key (what List and Read take).
func (w *Writer) Key() string { return w.key }

// Tick appends a progress event (Kind is set to tick).
func (w *Writer) Tick(e Event) {
	e.Kind = KindTick
	w.write(e)
}

// End appends the end event and closes the file. The file stays, so a
// page still following it sees the end and the stored run.
func (w *Writer) End(runID string, partial bool, runErr error) error {
	e := Event{Kind: KindEnd, RunID: runID, Partial: partial}
	if runErr != nil {
		e.Error = clip.String(runErr.Error(), 4096)
	}
	w.write(e)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		if err := w.f.Close(); err != nil && w.err == nil {
			w.err = fmt.Errorf("live feed: %w", err)
		}
		w.f = nil
	}
	return w.err
}

// Err is the first write error, if any.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Writer) write(e Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.f == nil {
		return
	}
	e.Time = w.now().UTC()
	line, err := json.Marshal(e)
	if err == nil {
		// One write per line with O_APPEND: a reader never sees half of
		// one unless the disk fills, and Read skips a torn last line.
		_, err = w.f.Write(append(line, '\n'))
	}
	if err != nil {
		w.err = fmt.Errorf("live feed: %w", err)
	}
}
