package live

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/smp-dev/smp/internal/clip"
)

// Feed is what List knows of one feed.
type Feed struct {
	Key   string    `json:"key"`
	Test  string    `json:"test"`
	PID   int       `json:"pid"`
	Start time.Time `json:"start"`
	// Last is the newest event; Ticks counts the progress events.
	Last  Event `json:"last"`
	Ticks int   `json:"ticks"`
	// State is running, ended or died (no end event and its process is
	// gone).
	State string `json:"state"`
}

// States of a feed.
const (
	StateRunning = "running"
	StateEnded   = "ended"
	StateDied    = "died"
)

// maxLine bounds one event line; a longer one ends the read with an error.
const maxLine = 64 << 10

// List returns the feeds in dir, newest first; a missing directory has
// none. A file that is not a feed (wrong name, no start event) is skipped.
func List(dir string) ([]Feed, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("live feeds: %w", err)
	}
	var out []Feed
	for _, e := range ents {
		key, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || CheckKey(key) != nil || !e.Type().IsRegular() {
			continue
		}
		f, err := Stat(dir, key)
		if err != nil {
			continue
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

// Stat reads one feed whole and says where it stands.
func Stat(dir, key string) (Feed, error) {
	evs, _, err := Read(dir, key, 0)
	if err != nil {
		return Feed{}, err
	}
	if len(evs) == 0 || evs[0].Kind != KindStart {
		return Feed{}, fmt.Errorf("live feed %s: no start event", key)
	}
	f := Feed{Key: key, Test: evs[0].Test, PID: evs[0].PID, Start: evs[0].Time, Last: evs[len(evs)-1], State: StateRunning}
	for _, e := range evs {
		if e.Kind == KindTick {
			f.Ticks++
		}
	}
	switch {
	case f.Last.Kind == KindEnd:
		f.State = StateEnded
	case !alive(f.PID):
		f.State = StateDied
	}
	return f, nil
}

// Read returns the whole events of key's feed from byte offset on, and the
// offset after the last whole line (a line still being written is left
// for the next call). A line that is not an event is an error naming it.
func Read(dir, key string, offset int64) ([]Event, int64, error) {
	if err := CheckKey(key); err != nil {
		return nil, offset, err
	}
	f, err := os.Open(path(dir, key))
	if err != nil {
		return nil, offset, fmt.Errorf("live feed %s: %w", key, err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, fmt.Errorf("live feed %s: %w", key, err)
	}
	evs, n, err := Parse(bufio.NewReaderSize(f, maxLine))
	if err != nil {
		return nil, offset, fmt.Errorf("live feed %s at byte %d: %w", key, offset+n, err)
	}
	return evs, offset + n, nil
}

// Parse reads whole event lines from r: the events and the bytes they
// took. A trailing line without its newline is not consumed.
func Parse(r *bufio.Reader) ([]Event, int64, error) {
	var out []Event
	var n int64
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || (len(line) > maxLine) {
			return out, n, fmt.Errorf("a line over %d bytes: expected one JSON event per line", maxLine)
		}
		if err != nil { // io.EOF: a torn or absent last line waits
			return out, n, nil
		}
		var e Event
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) > 0 {
			if jerr := json.Unmarshal(trimmed, &e); jerr != nil {
				return out, n, fmt.Errorf("event %d: %w", len(out)+1, jerr)
			}
			if e.Kind != KindStart && e.Kind != KindTick && e.Kind != KindEnd {
				return out, n, fmt.Errorf("event %d: kind %q: expected start, tick or end", len(out)+1, clip.String(e.Kind, 32))
			}
			out = append(out, e)
		}
		n += int64(len(line))
	}
}

// Prune removes the feeds of dir that ended or died and were last written
// more than keep ago. Errors are ignored: pruning is housekeeping.
func Prune(dir string, keep time.Duration) {
	feeds, _ := List(dir)
	for _, f := range feeds {
		if f.State == StateRunning {
			continue
		}
		st, err := os.Stat(path(dir, f.Key))
		if err == nil && time.Since(st.ModTime()) > keep {
			_ = os.Remove(path(dir, f.Key))
		}
	}
}
