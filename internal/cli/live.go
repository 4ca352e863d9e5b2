package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/smp-dev/smp/run"
)

// clearLine returns to the start of the line and erases it (ANSI).
const clearLine = "\r\x1b[K"

// liveLine is the live progress line of a run on a terminal: update
// rewrites it in place; a line written through it (a progress line)
// first erases it, so the two never mix. Safe for concurrent use.
type liveLine struct {
	mu    sync.Mutex
	w     io.Writer
	shown bool
}

func newLiveLine(w io.Writer) *liveLine { return &liveLine{w: w} }

// Write erases the live line, then writes p.
func (l *liveLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eraseLocked()
	return l.w.Write(p)
}

// update shows v as the live line.
func (l *liveLine) update(v run.Live) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprint(l.w, clearLine+formatLive(v))
	l.shown = true
}

// clear erases the live line, if shown.
func (l *liveLine) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eraseLocked()
}

func (l *liveLine) eraseLocked() {
	if l.shown {
		fmt.Fprint(l.w, clearLine)
		l.shown = false
	}
}

// formatLive is the live line: position, time, rate and the last
// finished second's errors and latency.
func formatLive(v run.Live) string {
	s := fmt.Sprintf("%s %d/%d  %4.1f/%.1fs", v.Scenario, v.Iteration, v.Iterations, v.Elapsed.Seconds(), v.Duration.Seconds())
	if v.Warmup {
		return s + "  warmup"
	}
	if v.Last.Requests == 0 {
		return s
	}
	rate := float64(v.Last.Requests) / time.Second.Seconds()
	s += fmt.Sprintf("  %.0f", rate)
	if v.RequestedRate > 0 {
		s += fmt.Sprintf("/%.0f", v.RequestedRate)
	}
	return s + fmt.Sprintf(" req/s  %d errors  p50 %.3f ms  p99 %.3f ms (last second)",
		v.Last.Errors, float64(v.Last.P50)/1e6, float64(v.Last.P99)/1e6)
}

// liveTerminal reports whether w is a terminal a live line can be drawn
// on.
func liveTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
