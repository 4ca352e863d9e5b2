package certify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// Every test here tunes a temporary copy of a fake tree (Root(t.TempDir())),
// never this machine's /sys or /proc.

// badTree is goodTree untuned: two CPUs on powersave, one with a
// frequency range, turbo on, THP always (a plain value, as a fake tree
// can hold it), a short port range and somaxconn 128.
func badTree() fstest.MapFS {
	m := goodTree()
	put := func(name, v string) { m[name] = &fstest.MapFile{Data: []byte(v + "\n")} }
	put("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "powersave")
	put("sys/devices/system/cpu/cpu2/cpufreq/scaling_governor", "schedutil")
	put("sys/devices/system/cpu/cpu1/cpufreq/scaling_min_freq", "800000")
	put("sys/devices/system/cpu/intel_pstate/no_turbo", "0")
	put("sys/kernel/mm/transparent_hugepage/enabled", "always")
	put("proc/sys/net/ipv4/ip_local_port_range", "50000\t60000")
	put("proc/sys/net/core/somaxconn", "128")
	put("proc/sys/kernel/randomize_va_space", "2")
	return m
}

// materialize writes m under a new temporary directory.
func materialize(t *testing.T, m fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range m {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// snapshot is every file's bytes under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, p))
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTuneAndReset(t *testing.T) {
	dir := materialize(t, badTree())
	before := snapshot(t, dir)
	w := Root(dir)
	state := filepath.Join(t.TempDir(), "state", "certify-tune.json")
	r := Run(context.Background(), w, opts(0))
	if r.Pass {
		t.Fatalf("the bad tree passed: %+v", r.Checks)
	}
	res, err := Tune(w, r, state)
	if err != nil || !res.Complete {
		t.Fatalf("tune: %v, %+v", err, res)
	}
	want := []string{
		"cpu-governor /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor powersave performance",
		"cpu-governor /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor schedutil performance",
		"cpu-freq-range /sys/devices/system/cpu/cpu1/cpufreq/scaling_min_freq 800000 3000000",
		"cpu-turbo /sys/devices/system/cpu/intel_pstate/no_turbo 0 1",
		"transparent-hugepages /sys/kernel/mm/transparent_hugepage/enabled always madvise",
		"ephemeral-ports /proc/sys/net/ipv4/ip_local_port_range 50000\t60000 1024 65535",
		"somaxconn /proc/sys/net/core/somaxconn 128 4096",
	}
	var got []string
	for _, c := range res.Changes {
		got = append(got, strings.Join([]string{c.Check, c.Path, c.Old, c.New}, " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Untuned) != 0 {
		t.Errorf("untuned %+v, want none", res.Untuned)
	}
	// The files hold the new values, and the checks now pass.
	after := Run(context.Background(), w, opts(0))
	for _, c := range after.Checks {
		if c.Severity != Info {
			t.Errorf("after tune: %+v", c)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "proc/sys/net/core/somaxconn")); string(b) != "4096\n" {
		t.Errorf("somaxconn holds %q", b)
	}
	// ASLR's check never fails: it is left as it was.
	if b, _ := os.ReadFile(filepath.Join(dir, "proc/sys/kernel/randomize_va_space")); string(b) != "2\n" {
		t.Errorf("randomize_va_space holds %q", b)
	}
	st, err := LoadState(state)
	if err != nil || len(st.Changes) != len(want) || st.Changes[0].Old != "powersave" {
		t.Fatalf("state %+v, %v", st, err)
	}

	res, err = Reset(w, state)
	if err != nil || !res.Complete || len(res.Changes) != len(want) {
		t.Fatalf("reset: %v, %+v", err, res)
	}
	if c := res.Changes[0]; c.Old != "performance" || c.New != "powersave" {
		t.Errorf("reset change %+v: want performance → powersave", c)
	}
	restored := snapshot(t, dir)
	for name, b := range before {
		if restored[name] != b {
			t.Errorf("%s: %q after reset, want %q", name, restored[name], b)
		}
	}
	if _, err := os.Stat(state); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("state file still there after reset: %v", err)
	}
}

// A multiple-choice file is saved as its choice and written back as it.
func TestTuneMultipleChoice(t *testing.T) {
	m := goodTree()
	m["sys/kernel/mm/transparent_hugepage/enabled"] = &fstest.MapFile{Data: []byte("[always] madvise never\n")}
	dir := materialize(t, m)
	w := Root(dir)
	state := filepath.Join(t.TempDir(), "s.json")
	res, err := Tune(w, Run(context.Background(), w, opts(0)), state)
	if err != nil || len(res.Changes) != 1 || res.Changes[0].Old != "always" || res.Changes[0].New != "madvise" {
		t.Fatalf("tune: %v, %+v", err, res.Changes)
	}
	if _, err := Reset(w, state); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sys/kernel/mm/transparent_hugepage/enabled")); string(b) != "always\n" {
		t.Errorf("after reset THP holds %q, want the choice written back", b)
	}
}

// failing is a WriteFS whose writes to some files fail, as a read-only
// sysfs file or a non-root user's would (permissions do not stop root,
// who may run these tests).
type failing struct {
	WriteFS
	names map[string]bool
}

func (f failing) WriteFile(name string, data []byte) error {
	if f.names[name] {
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.WriteFS.WriteFile(name, data)
}

func TestTunePartialFailure(t *testing.T) {
	dir := materialize(t, badTree())
	const ro = "proc/sys/net/core/somaxconn"
	w := failing{Root(dir), map[string]bool{ro: true}}
	state := filepath.Join(t.TempDir(), "s.json")
	res, err := Tune(w, Run(context.Background(), w, opts(0)), state)
	if !errors.Is(err, ErrIncomplete) || res.Complete {
		t.Fatalf("tune with a read-only file: %v, complete %v", err, res.Complete)
	}
	failed := 0
	for _, c := range res.Changes {
		if c.Error != "" {
			failed++
			if c.Path != "/"+ro || !strings.Contains(c.Error, "permission") {
				t.Errorf("failed change %+v", c)
			}
		}
	}
	if failed != 1 || len(res.Changes) != 7 {
		t.Errorf("%d failed of %d changes, want 1 of 7", failed, len(res.Changes))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sys/devices/system/cpu/intel_pstate/no_turbo")); string(b) != "1\n" {
		t.Errorf("the other writes were not made: no_turbo %q", b)
	}
	st, err := LoadState(state)
	if err != nil || len(st.Changes) != 6 {
		t.Fatalf("state has %d changes (%v), want the 6 written", len(st.Changes), err)
	}
	for _, c := range st.Changes {
		if c.Path == "/"+ro {
			t.Errorf("state lists the failed write %+v", c)
		}
	}
	// A reset that cannot write one setting back keeps it in the state.
	w.names = map[string]bool{"sys/devices/system/cpu/intel_pstate/no_turbo": true}
	res, err = Reset(w, state)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("reset: %v", err)
	}
	st, err = LoadState(state)
	if err != nil || len(st.Changes) != 1 || st.Changes[0].Check != "cpu-turbo" || st.Changes[0].Old != "0" {
		t.Fatalf("state after a partial reset: %+v, %v", st, err)
	}
	w.names = nil
	if _, err := Reset(w, state); err != nil {
		t.Fatalf("second reset: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sys/devices/system/cpu/intel_pstate/no_turbo")); string(b) != "0\n" {
		t.Errorf("no_turbo %q after the second reset", b)
	}
}

// A second Tune keeps the value the first one saved.
func TestTuneTwiceKeepsOriginal(t *testing.T) {
	dir := materialize(t, badTree())
	w := Root(dir)
	state := filepath.Join(t.TempDir(), "s.json")
	gov := "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"
	if _, err := Tune(w, Run(context.Background(), w, opts(0)), state); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFile(gov, []byte("ondemand\n")); err != nil {
		t.Fatal(err)
	}
	res, err := Tune(w, Run(context.Background(), w, opts(0)), state)
	if err != nil || len(res.Changes) != 1 || res.Changes[0].Old != "ondemand" {
		t.Fatalf("second tune: %v, %+v", err, res.Changes)
	}
	if _, err := Reset(w, state); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, gov)); string(b) != "powersave\n" {
		t.Errorf("governor %q after reset, want the first tune's original powersave", b)
	}
}

// Nothing to tune: no write, and a state file Reset finds.
func TestTuneNothingToDo(t *testing.T) {
	dir := materialize(t, goodTree())
	before := snapshot(t, dir)
	state := filepath.Join(t.TempDir(), "s.json")
	w := Root(dir)
	res, err := Tune(w, Run(context.Background(), w, opts(0)), state)
	if err != nil || len(res.Changes) != 0 {
		t.Fatalf("tune of a tuned machine: %v, %+v", err, res.Changes)
	}
	if res, err := Reset(w, state); err != nil || len(res.Changes) != 0 {
		t.Fatalf("reset: %v, %+v", err, res)
	}
	if after := snapshot(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("files changed:\n%v\n%v", before, after)
	}
}

// Failing checks a write cannot fix are listed, not tuned.
func TestTuneUntuned(t *testing.T) {
	m := goodTree()
	m["proc/loadavg"] = &fstest.MapFile{Data: []byte("9.00 1 1 1/1 1\n")}
	m["sys/devices/system/clocksource/clocksource0/current_clocksource"] = &fstest.MapFile{Data: []byte("hpet\n")}
	m["sys/devices/system/clocksource/clocksource0/available_clocksource"] = &fstest.MapFile{Data: []byte("hpet acpi_pm\n")}
	changes, untuned := PlanTune(m, Run(context.Background(), m, opts(0)))
	var ids []string
	for _, c := range untuned {
		ids = append(ids, c.ID)
	}
	if len(changes) != 0 || strings.Join(ids, ",") != "clocksource,load" {
		t.Errorf("changes %+v, untuned %v: want none and clocksource (no tsc offered), load", changes, ids)
	}
}

func TestResetWithoutState(t *testing.T) {
	_, err := Reset(Root(t.TempDir()), filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, ErrNoState) || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("reset without state: %v", err)
	}
}

// Root never creates a file the kernel does not have.
func TestRootWriteAbsent(t *testing.T) {
	dir := t.TempDir()
	err := Root(dir).WriteFile("sys/devices/system/cpu/cpufreq/boost", []byte("0\n"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("write to an absent file: %v", err)
	}
	if err := Root(dir).WriteFile("../x", nil); err == nil {
		t.Error("write outside the root accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "sys")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the write created something: %v", err)
	}
}

func TestDefaultStatePath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/smp/certify-tune.json"},
		{map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/h"}, "/h/.local/state/smp/certify-tune.json"}, // relative XDG is ignored
		{map[string]string{}, ""},
	} {
		got, err := DefaultStatePath(env(c.env))
		if got != c.want || (c.want == "") != (err != nil) {
			t.Errorf("%v: %q, %v; want %q", c.env, got, err, c.want)
		}
	}
}

// Root reads a procfs sysctl file whole: read a byte at a time, the
// kernel answers the second read with EOF. This reads (never writes)
// this machine's /proc.
func TestRootReadsProcWhole(t *testing.T) {
	const name = "proc/sys/kernel/pid_max"
	want, err := os.ReadFile("/" + name)
	if err != nil || len(want) < 3 {
		t.Skipf("no /%s here (%v)", name, err)
	}
	got, err := fs.ReadFile(Root("/"), name)
	if err != nil || string(got) != string(want) {
		t.Errorf("Root(\"/\") read %q (%v), os.ReadFile %q", got, err, want)
	}
}
