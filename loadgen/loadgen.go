package loadgen

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/spec"
)

// Names of the generators, as load.generator and --generator take them
// (the spec's).
const (
	Builtin   = spec.GeneratorBuiltin
	Fortio    = spec.GeneratorFortio
	WRK2      = spec.GeneratorWRK2
	Nighthawk = spec.GeneratorNighthawk
	Vegeta    = spec.GeneratorVegeta
	WRK       = spec.GeneratorWRK
	Hey       = spec.GeneratorHey
)

// Names lists every generator smp can drive, builtin first.
func Names() []string { return spec.Generators() }

// Plan is one load run as the external tools see it: what smp's load
// spec says, already resolved against the target.
type Plan struct {
	URL      string  // the target, path included
	Protocol string  // http1, h2c, http2, tcp or grpc (package load/protocol)
	Rate     float64 // requests/s over all connections; 0 = closed loop
	// Arrival is the open-loop schedule's type (spec arrival types);
	// every tool here only paces evenly ("constant").
	Arrival     string
	Connections int
	Duration    time.Duration // whole run, warmup included
	Warmup      time.Duration // excluded from the result
	Timeout     time.Duration // per request
	Method      string
	Headers     map[string]string
	Body        []byte
	// Streams is requests in flight per HTTP/2 connection (0 or 1: one).
	Streams       int
	NewConnection bool
	TLS           *TLS
	// GRPCMethod is health or ping (protocol grpc); PayloadSize the ping's
	// payload bytes.
	GRPCMethod  string
	PayloadSize int
	// RequestMix is true when the spec asks for a weighted mix of
	// requests (load.requests), which no tool here sends.
	RequestMix bool
}

// TLS are the client's TLS settings; file paths are PEM.
type TLS struct {
	CACert, Cert, Key string
	Insecure          bool
	SessionReuse      bool
}

// Generator is one external load generator.
type Generator interface {
	// Name is the generator's name (one of Names).
	Name() string
	// Check returns a *PlanError when the tool cannot run p as asked (a
	// rate wrk has no option for, gRPC for vegeta). It runs nothing.
	Check(p *Plan) error
	// Run drives p and returns the normalized result, its Generator
	// filled in. Errors name the tool; a tool that fails returns a
	// *ToolError with its exit status and the tail of its output.
	Run(ctx context.Context, p *Plan) (*record.Result, error)
}

// Options build a generator.
type Options struct {
	// Path is the tool's binary; empty means its usual name on PATH.
	Path string
	// Cmder runs the tool; nil means the operating system (Exec).
	Cmder Cmder
	// Work is a directory for the tools' files (result files); empty
	// means the system's temporary directory.
	Work string
}

// ErrUnknown is returned by New for a name that is not a generator.
var ErrUnknown = errors.New("unknown load generator")

// ErrNotFound is returned when the tool's binary is not on PATH or at
// the given path.
var ErrNotFound = errors.New("load generator not found")

// New returns the generator called name. It does not look for the
// binary: Run does, and Find says beforehand.
func New(name string, o Options) (Generator, error) {
	if o.Cmder == nil {
		o.Cmder = Exec{}
	}
	mk, ok := constructors()[name]
	if !ok || name == Builtin {
		return nil, fmt.Errorf("%w %q: expected one of %s", ErrUnknown, name, strings.Join(Names()[1:], ", "))
	}
	return mk(o), nil
}

// Binary is the executable each generator is known by on PATH.
func Binary(name string) string {
	switch name {
	case WRK2:
		return "wrk2" // wrk2 installs as "wrk" too; give its path then
	case Nighthawk:
		return "nighthawk_client"
	}
	return name
}

// Find returns the path of the generator's binary: path when set (it must
// exist and be executable), else its name looked up on PATH.
func Find(name, path string) (string, error) {
	if path == "" {
		p, err := exec.LookPath(Binary(name))
		if err != nil {
			return "", fmt.Errorf("%w: %s: no %q on PATH; install it, or give its path in load.generatorPath (--generator-path)", ErrNotFound, name, Binary(name))
		}
		return p, nil
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s: load.generatorPath %q: %v", ErrNotFound, name, path, err)
	}
	return p, nil
}

// PlanError says that a tool cannot run a plan as asked: which part of
// the plan (a spec field), its value and why.
type PlanError struct {
	Tool  string
	Field string // the spec field, e.g. load.rate
	Value string
	Why   string
}

func (e *PlanError) Error() string {
	return fmt.Sprintf("load.generator %s: %s %s: %s", e.Tool, e.Field, e.Value, e.Why)
}

// ToolError is a tool that failed: it exited non-zero, or printed what
// its parser cannot read. Nothing measured before it is lost: the run
// keeps its earlier iterations.
type ToolError struct {
	Tool    string
	Command []string
	// ExitCode is the tool's exit status; -1 when it was killed by a
	// signal, 0 when it exited cleanly but its output could not be read.
	ExitCode int
	Why      string // what went wrong
	Tail     string // the tail of what it printed (stderr, then stdout)
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("load generator %s: %s (exit status %d; command: %s); its output ended: %s",
		e.Tool, e.Why, e.ExitCode, strings.Join(e.Command, " "), e.Tail)
}

// supported returns a PlanError unless v is one of ok.
func supported(tool, field, v string, ok []string, why string) error {
	if slices.Contains(ok, v) {
		return nil
	}
	return &PlanError{Tool: tool, Field: field, Value: v, Why: why}
}
