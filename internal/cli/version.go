package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// The commit and build date of this binary. scripts/release stamps them,
// with Version:
//
//	-ldflags "-X github.com/smp-dev/smp/internal/cli.Version=v1.2.3
//	          -X github.com/smp-dev/smp/internal/cli.Commit=<git sha>
//	          -X github.com/smp-dev/smp/internal/cli.BuildDate=<RFC 3339 UTC>"
//
// Left empty (go build, go install), they are read from the build
// information Go records in the binary (vcs.revision, vcs.time,
// vcs.modified; the module version for go install …@version).
var (
	Commit    string
	BuildDate string
)

// defaultVersion is Version when the build does not stamp it.
const defaultVersion = "0.1.0-dev"

// buildVersion is what smp version prints.
type buildVersion struct {
	Version, Commit, Date string
	Modified              bool // built from a tree with uncommitted changes
}

// currentVersion resolves the stamped variables against the binary's
// build information.
func currentVersion() buildVersion {
	bi, _ := debug.ReadBuildInfo()
	return resolveVersion(Version, Commit, BuildDate, bi)
}

// resolveVersion prefers what was stamped, then what Go recorded.
func resolveVersion(version, commit, date string, bi *debug.BuildInfo) buildVersion {
	v := buildVersion{Version: version, Commit: commit, Date: date}
	if bi == nil {
		return v
	}
	if version == defaultVersion && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	if commit != "" {
		return v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			if v.Date == "" {
				v.Date = s.Value
			}
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func (v buildVersion) String() string {
	commit, date := v.Commit, v.Date
	if commit == "" {
		commit = "unknown"
	}
	if v.Modified {
		commit += " (modified)"
	}
	if date == "" {
		date = "unknown"
	}
	return fmt.Sprintf("smp %s\ncommit %s\nbuilt  %s\ngo     %s %s/%s\n",
		v.Version, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print smp's version, commit and build date",
		Long: `Print smp's version, the commit it was built from, its build date, and the
Go version and platform. Release builds (scripts/release) stamp them; other
builds read what Go recorded from the source tree (git).`,
		Args: args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprint(s.Out, currentVersion())
			return nil
		},
	}
}
