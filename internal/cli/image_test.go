package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageBuildBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "smp.tar")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"image", "build"}, "--output (-o) is required"},
		{[]string{"image", "build", "-o", out, "--platform", "darwin/arm64"}, "--platform"},
		{[]string{"image", "build", "-o", out, "--binary", "/bin/ls", "--platform", "linux/amd64"},
			"/bin/ls is dynamically linked"},
		{[]string{"image", "build", "-o", out, "--binary", "/bin/ls", "--platform", "linux/amd64"},
			"CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o smp-linux ./cmd/smp"},
		{[]string{"image", "build", "-o", out, "--binary", filepath.Join(t.TempDir(), "missing")}, "--binary"},
	} {
		if c.args[len(c.args)-1] == "linux/amd64" {
			if _, err := os.Stat("/bin/ls"); err != nil {
				continue
			}
		}
		code, _, errOut := smp(t, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("smp %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(c.args, " "), code, errOut, ExitUsage, c.want)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if code, _, errOut := smp(t, "image", "build", "-o", out); code != ExitUsage || !strings.Contains(errOut, "SOURCE_DATE_EPOCH") {
		t.Errorf("bad SOURCE_DATE_EPOCH: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed build wrote %s", out)
	}
}
