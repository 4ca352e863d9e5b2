package live

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWriteFollowAndEnd(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, "mesh-test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	feeds, err := List(dir)
	if err != nil || len(feeds) != 1 {
		t.Fatalf("List: %v %v: want one feed", feeds, err)
	}
	f := feeds[0]
	if f.Key != w.Key() || f.Test != "mesh-test" || f.PID != os.Getpid() || f.State != StateRunning {
		t.Errorf("feed %+v: want key %s, test mesh-test, our pid, running", f, w.Key())
	}
	evs, off, err := Read(dir, w.Key(), 0)
	if err != nil || len(evs) != 1 || evs[0].Kind != KindStart {
		t.Fatalf("Read: %v %v", evs, err)
	}
	w.Tick(Event{Scenario: "none", Iteration: 1, Iterations: 2, Second: 3, LastRequests: 100, P99Ms: 1.5})
	w.Tick(Event{Scenario: "none", Iteration: 1, Iterations: 2, Second: 4, LastRequests: 90})
	more, off2, err := Read(dir, w.Key(), off)
	if err != nil || len(more) != 2 || more[0].Second != 3 || more[0].LastRequests != 100 || more[1].Second != 4 {
		t.Fatalf("Read from %d: %+v %v: want the two ticks", off, more, err)
	}
	if err := w.End("abc123", true, errors.New("interrupted")); err != nil {
		t.Fatal(err)
	}
	w.Tick(Event{Second: 9}) // after the end: dropped
	last, _, err := Read(dir, w.Key(), off2)
	if err != nil || len(last) != 1 || last[0].Kind != KindEnd || last[0].RunID != "abc123" || !last[0].Partial || last[0].Error != "interrupted" {
		t.Fatalf("end: %+v %v", last, err)
	}
	st, err := Stat(dir, w.Key())
	if err != nil || st.State != StateEnded || st.Ticks != 2 {
		t.Errorf("Stat: %+v %v: want ended with 2 ticks", st, err)
	}
}

func TestTornLineWaits(t *testing.T) {
	dir := t.TempDir()
	key := "1-1"
	full := `{"kind":"start","test":"x","pid":1}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, key+".jsonl"), []byte(full+`{"kind":"ti`), 0o644); err != nil {
		t.Fatal(err)
	}
	evs, off, err := Read(dir, key, 0)
	if err != nil || len(evs) != 1 || off != int64(len(full)) {
		t.Fatalf("Read: %v, offset %d, %v: want the start only, offset %d", evs, off, err, len(full))
	}
}

func TestDiedFeed(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	dir := t.TempDir()
	line := `{"kind":"start","test":"x","pid":` + strconv.Itoa(cmd.Process.Pid) + `}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "5-5.jsonl"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Stat(dir, "5-5")
	if err != nil || f.State != StateDied {
		t.Errorf("Stat: %+v %v: want died (its process is gone)", f, err)
	}
	// Died and old: pruned; a keep longer than its age keeps it.
	Prune(dir, time.Hour)
	if _, err := os.Stat(filepath.Join(dir, "5-5.jsonl")); err != nil {
		t.Fatalf("pruned a feed younger than keep: %v", err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "5-5.jsonl"), old, old); err != nil {
		t.Fatal(err)
	}
	Prune(dir, time.Hour)
	if _, err := os.Stat(filepath.Join(dir, "5-5.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a died feed older than keep is still there: %v", err)
	}
}

func TestBadKeysAndLines(t *testing.T) {
	dir := t.TempDir()
	for _, key := range []string{"", "../etc/passwd", "1-1/../../x", "abc", "1-1.jsonl", strings.Repeat("9", 40) + "-1"} {
		if _, _, err := Read(dir, key, 0); !errors.Is(err, ErrBadKey) {
			t.Errorf("key %q: %v: want ErrBadKey", key, err)
		}
	}
	if _, _, err := Parse(bufio.NewReader(strings.NewReader(`{"kind":"boom"}` + "\n"))); err == nil || !strings.Contains(err.Error(), `kind "boom"`) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, _, err := Parse(bufio.NewReader(strings.NewReader("not json\n"))); err == nil || !strings.Contains(err.Error(), "event 1") {
		t.Errorf("not JSON: %v", err)
	}
	// Not feeds: skipped by List.
	for _, name := range []string{"notes.txt", "1-1.jsonl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("junk\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if feeds, err := List(dir); err != nil || len(feeds) != 0 {
		t.Errorf("List: %v %v: want none", feeds, err)
	}
	if feeds, err := List(filepath.Join(dir, "absent")); err != nil || feeds != nil {
		t.Errorf("List of a missing dir: %v %v", feeds, err)
	}
}
