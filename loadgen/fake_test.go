package loadgen

import (
	"context"
	"errors"
	"go/build"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// fakeCmder records the commands it is given and answers each with
// respond, which may write the files the command names (as the tool
// would).
type fakeCmder struct {
	mu      sync.Mutex
	calls   []Cmd
	stdin   []string
	respond func(c Cmd) (*Output, error)
}

func (f *fakeCmder) Run(_ context.Context, c Cmd) (*Output, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if c.Stdin != nil {
		b, err := io.ReadAll(c.Stdin)
		if err != nil {
			return nil, err
		}
		f.stdin = append(f.stdin, string(b))
	}
	if f.respond == nil {
		return &Output{}, nil
	}
	return f.respond(c)
}

// argvs are the command lines the fake was given whose first argument
// after the binary is sub ("" for all).
func (f *fakeCmder) argvs(sub string) [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]string
	for _, c := range f.calls {
		if sub == "" || len(c.Argv) > 1 && c.Argv[1] == sub {
			out = append(out, c.Argv)
		}
	}
	return out
}

// flagValue is the argument after flag in argv ("" when flag is absent).
func flagValue(argv []string, flag string) string {
	i := slices.Index(argv, flag)
	if i < 0 || i+1 >= len(argv) {
		return ""
	}
	return argv[i+1]
}

// flagValues are the arguments after every flag in argv.
func flagValues(argv []string, flag string) []string {
	var v []string
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			v = append(v, argv[i+1])
		}
	}
	return v
}

// failing answers every command with exit status code and out printed.
func failing(code int, stdout, stderr string) func(Cmd) (*Output, error) {
	return func(Cmd) (*Output, error) {
		return &Output{ExitCode: code, Stdout: []byte(stdout), Stderr: []byte(stderr)}, nil
	}
}

// checkToolError checks that err is a *ToolError of tool with the exit
// code and a tail holding want.
func checkToolError(t *testing.T, err error, tool string, code int, want string) {
	t.Helper()
	var te *ToolError
	if !errors.As(err, &te) {
		t.Fatalf("got error %v (%T), want a *ToolError", err, err)
	}
	if te.Tool != tool || te.ExitCode != code || !strings.Contains(te.Tail, want) || len(te.Command) == 0 {
		t.Errorf("got ToolError{Tool %q, ExitCode %d, Tail %q, Command %q}, want tool %q, exit code %d, a tail with %q",
			te.Tool, te.ExitCode, te.Tail, te.Command, tool, code, want)
	}
	if !strings.Contains(err.Error(), tool) {
		t.Errorf("error %q does not name %s", err, tool)
	}
}

// checkPlanError checks that err is a *PlanError naming field.
func checkPlanError(t *testing.T, err error, field string) {
	t.Helper()
	var pe *PlanError
	if !errors.As(err, &pe) {
		t.Fatalf("got error %v, want a *PlanError for %s", err, field)
	}
	if pe.Field != field {
		t.Errorf("got PlanError for %s (%v), want one for %s", pe.Field, err, field)
	}
}

// basePlan is a plan every tool here can run.
func basePlan() *Plan {
	return &Plan{
		URL: "http://127.0.0.1:8080/", Protocol: "http1", Rate: 200, Arrival: "constant", Connections: 4,
		Duration: 3 * time.Second, Warmup: time.Second, Timeout: 2 * time.Second, Method: "GET",
		Headers: map[string]string{"X-B": "2", "X-A": "1"},
	}
}

// realTool is the path of the tool's binary, on PATH or in $GOPATH/bin
// (where scripts/install-deps puts fortio and vegeta); it skips the test
// when there is none, or under -short.
func realTool(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs " + name + " for seconds: skipped under -short")
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", name)
	if _, err := exec.LookPath(p); err == nil {
		return p
	}
	t.Skipf("%s is not installed (scripts/install-deps installs it)", name)
	return ""
}

// checkRealRun checks a real tool's result against a target that
// answers after delay, driven at rate for window.
func checkRealRun(t *testing.T, r *record.Result, rate float64, window, delay time.Duration) {
	t.Helper()
	if r.Generator == nil || r.Generator.Name == "" || len(r.Generator.Command) == 0 {
		t.Fatalf("result's Generator not filled in: %+v", r.Generator)
	}
	if r.Errors != 0 || r.StatusCodes[200] != r.Requests {
		t.Errorf("got %d errors (%v), status codes %v of %d requests: want no errors, every one 200", r.Errors, r.ErrorKinds, r.StatusCodes, r.Requests)
	}
	want := rate * window.Seconds()
	if got := float64(r.Requests); got < 0.75*want || got > 1.25*want {
		t.Errorf("got %d requests in the window, want %.0f (within 25%%)", r.Requests, want)
	}
	if w := r.End.Sub(r.Start); w < window*3/4 || w > window*5/4 {
		t.Errorf("got a window of %v, want about %v", w, window)
	}
	if r.Latency.Count() != r.Requests {
		t.Errorf("latency holds %d values, want one per request (%d)", r.Latency.Count(), r.Requests)
	}
	if p50 := r.Latency.Quantile(50); p50 < delay*9/10 || p50 > delay+20*time.Millisecond {
		t.Errorf("got p50 %v, want between %v and %v (the target's delay %v)", p50, delay*9/10, delay+20*time.Millisecond, delay)
	}
	if r.Uncorrected == nil || r.Uncorrected.Count() != r.Latency.Count() {
		t.Errorf("uncorrected histogram is not the latency's (actual clock)")
	}
}

// realRun runs tool (found as realTool finds it) for 3 s (1 s warmup) at
// basePlan's rate against the built-in target answering after 2 ms, and
// checks the result with checkRealRun.
func realRun(t *testing.T, tool string) *record.Result {
	t.Helper()
	bin := realTool(t, tool)
	const delay = 2 * time.Millisecond
	srv := targettest.Start(t, target.Options{Addr: "127.0.0.1:0", Delay: delay})
	p := basePlan()
	p.URL = srv.URL()
	p.Duration, p.Warmup = 3*time.Second, time.Second
	g, err := New(tool, Options{Path: bin, Work: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	checkRealRun(t, res, p.Rate, 2*time.Second, delay)
	return res
}
