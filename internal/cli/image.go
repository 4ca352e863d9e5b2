package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/internal/image"
)

// versionSymbol is the variable a build sets with -ldflags -X.
const versionSymbol = "github.com/smp-dev/smp/internal/cli.Version"

type imageOptions struct {
	output   string
	tag      string
	binary   string
	platform string
	revision string
	tools    []string
}

func newImageCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "image",
		Short: "Build smp's container image",
		Args:  args(cobra.NoArgs),
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(newImageBuildCmd(s))
	return c
}

func newImageBuildCmd(s Streams) *cobra.Command {
	o := &imageOptions{}
	c := &cobra.Command{
		Use:   "build -o FILE",
		Short: "Write smp's container image as a tarball, without a container daemon",
		Long: `Write smp's container image to a tarball (an OCI image layout with a
docker-archive manifest.json, as docker save writes) that
'ctr -n k8s.io images import', 'docker load' and 'kind load image-archive'
accept. No Docker daemon is needed.

The image holds one layer: the static smp binary at /smp (the entrypoint),
a world-writable /tmp (the working directory) and an /etc/passwd naming
nobody, the default user (65534:65534). --add-tool puts other static
linux executables in /usr/local/bin (on the image's PATH), listed with
their Go module version or sha256 in the label dev.smp.image.tools: a
load generator for load.generator on platform kubernetes, e.g. fortio or
vegeta built with
  CGO_ENABLED=0 go install fortio.org/fortio@v1.66.5
(a dynamically linked tool, such as Debian's wrk or hey, is refused: the
image has no shared libraries). Its labels
org.opencontainers.image.version and .revision come from the binary's
build (--revision sets the latter when the build recorded none). Every
timestamp is $SOURCE_DATE_EPOCH (seconds) or else the Unix epoch,
so the same binary always gives the same image digest.

The binary is --binary, or else this smp when it is a static linux
executable for --platform. Build one with:
  CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o smp-linux ./cmd/smp
(or run scripts/image, which does that and this, and with --load imports
the image into containerd's k8s.io namespace).`,
		Example: `  smp image build -o smp.tar                                # this smp, tagged smp:dev
  smp image build -o smp.tar --binary smp-linux --tag smp:v0.1
  smp image build -o smp.tar --binary smp-linux --add-tool ~/go-static/bin/fortio
  ctr -n k8s.io images import smp.tar                        # then use image smp:dev in a pod
  kind load image-archive smp.tar`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return o.run(c, s) },
	}
	f := c.Flags()
	f.StringVarP(&o.output, "output", "o", "", "the tarball to write (required)")
	f.StringVar(&o.tag, "tag", image.DefaultTag, "the image reference the tarball names")
	f.StringVar(&o.binary, "binary", "", "the static linux smp binary to put in the image (default: this smp, if it is one)")
	f.StringVar(&o.revision, "revision", "", "the org.opencontainers.image.revision label (default: the VCS revision the binary records)")
	f.StringArrayVar(&o.tools, "add-tool", nil, "a static linux executable to add at /usr/local/bin/<name> (repeatable), e.g. a load generator")
	f.StringVar(&o.platform, "platform", "linux/"+runtime.GOARCH, "the image's platform, linux/ARCH; the binary must match it")
	return c
}

func (o *imageOptions) run(c *cobra.Command, s Streams) error {
	if o.output == "" {
		return usageErr("--output (-o) is required: the tarball to write, e.g. -o smp.tar")
	}
	p, err := image.ParsePlatform(o.platform)
	if err != nil {
		return usageErr("--platform: %v", err)
	}
	created, err := sourceDateEpoch()
	if err != nil {
		return usageErr("%v", err)
	}
	bin, self := o.binary, false
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return usageErr("no --binary given and this smp's own path is unknown (%v); %s", err, buildHint(p))
		}
		self = true
	}
	if err := image.CheckStatic(bin, p); err != nil {
		if !errors.Is(err, image.ErrNotStatic) {
			return usageErr("--binary: %v", err)
		}
		if self {
			return usageErr("no --binary given and this smp cannot go in the image: %v\n%s", err, buildHint(p))
		}
		return usageErr("--binary: %v\n%s", err, buildHint(p))
	}
	version, revision := image.BinaryVersion(bin, versionSymbol)
	if self || version == "" {
		// This smp's own, or a build without -X, which keeps the source's default.
		version = Version
	}
	if o.revision != "" {
		revision = o.revision
	}
	r, err := image.Build(c.Context(), image.Options{
		Binary: bin, Output: o.output, Tag: o.tag, Platform: p,
		Version: version, Revision: revision, Created: created, Tools: o.tools,
	})
	if errors.Is(err, image.ErrNotStatic) {
		// smp's own binary was checked above: a tool is not static.
		return usageErr("--add-tool: %v\na Go tool builds static with CGO_ENABLED=0, e.g.\n  CGO_ENABLED=0 GOBIN=DIR go install fortio.org/fortio@v1.66.5", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "wrote %s: %s %s %s (%.1f MiB, from %s)\n", o.output, r.Tag, p, r.Digest,
		float64(r.Size)/(1<<20), filepath.Base(bin))
	for _, t := range o.tools {
		fmt.Fprintf(s.Out, "  with %s/%s\n", image.ToolDir, filepath.Base(t))
	}
	fmt.Fprintf(s.Err, "load it with: ctr -n k8s.io images import %s   (or: docker load -i %s; kind load image-archive %s)\n",
		o.output, o.output, o.output)
	return nil
}

func buildHint(p image.Platform) string {
	return fmt.Sprintf("build a static one and pass it:\n  CGO_ENABLED=0 GOOS=linux GOARCH=%s go build -o smp-linux ./cmd/smp\n  smp image build --binary smp-linux -o FILE\n(or run scripts/image)", p.Arch)
}

// sourceDateEpoch reads $SOURCE_DATE_EPOCH (reproducible-builds.org), the
// time to stamp the image with; zero when unset.
func sourceDateEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: expected a non-negative number of seconds since 1970", v)
	}
	return time.Unix(sec, 0), nil
}
