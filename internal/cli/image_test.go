package cli

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/smp-dev/smp/internal/image"
	"github.com/smp-dev/smp/internal/image/imagetest"
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
		{[]string{"image", "build", "-o", out, "--binary", imagetest.WriteELF(t, elf.EM_X86_64, ""), "--add-tool", "/bin/ls", "--platform", "linux/amd64"},
			"--add-tool: tool /bin/ls cannot go in the image, which has no shared libraries: /bin/ls is dynamically linked"},
		{[]string{"image", "build", "-o", out, "--binary", imagetest.WriteELF(t, elf.EM_X86_64, ""), "--add-tool", "/bin/ls", "--platform", "linux/amd64"},
			"CGO_ENABLED=0 GOBIN=DIR go install fortio.org/fortio@v1.66.5"},
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

func TestImageBuild(t *testing.T) {
	bin := imagetest.WriteELF(t, elf.EM_X86_64, "")
	out := filepath.Join(t.TempDir(), "smp.tar")
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	tool := filepath.Join(t.TempDir(), "fortio")
	if err := os.Link(imagetest.WriteELF(t, elf.EM_X86_64, ""), tool); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := smp(t, "image", "build", "-o", out, "--binary", bin, "--platform", "linux/amd64",
		"--tag", "registry.local/smp:v1", "--revision", "abc123", "--add-tool", tool)
	if code != ExitOK || !strings.HasPrefix(stdout, "wrote "+out+": registry.local/smp:v1 linux/amd64 sha256:") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	tag, err := name.NewTag("registry.local/smp:v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	labels := cf.Config.Labels
	if labels[image.LabelVersion] != Version || labels[image.LabelRevision] != "abc123" || cf.Created.Unix() != 1700000000 {
		t.Errorf("labels %v, created %v; want version %s, revision abc123, created at 1700000000", labels, cf.Created, Version)
	}
	if !strings.HasPrefix(labels[image.LabelTools], "fortio (sha256:") || !strings.Contains(stdout, "with /usr/local/bin/fortio") {
		t.Errorf("label %s = %q, stdout %q; want fortio listed", image.LabelTools, labels[image.LabelTools], stdout)
	}
	d, err := img.Digest()
	if err != nil || !strings.Contains(stdout, d.String()) {
		t.Errorf("stdout %q does not name the image digest %s (%v)", stdout, d, err)
	}
}
