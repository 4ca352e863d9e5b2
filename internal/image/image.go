// Package image builds smp's container image without a container daemon:
// one layer holding a static smp binary at /smp, a world-writable /tmp, an
// /etc/passwd naming nobody and any static tools added (load generators) in
// /usr/local/bin, written as a tarball (an OCI image layout
// with a docker-archive manifest.json beside it) that `ctr images import`,
// `docker load` and `kind load image-archive` accept. The same binary and
// options give the same image digest: every timestamp in it is
// Options.Created.
package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Image labels and defaults.
const (
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelSource   = "org.opencontainers.image.source"
	DefaultTag    = "smp:dev"
	// User is the image's default user, nobody: smp binds no privileged port.
	User = "65534:65534"
	// Entrypoint is where the binary lives in the image.
	Entrypoint = "/smp"
)

// Options describe one image.
type Options struct {
	Binary   string    // a static linux executable (see CheckStatic)
	Output   string    // the tarball to write
	Tag      string    // the image reference the tarball names; DefaultTag when ""
	Platform Platform  // the binary's and the image's platform
	Version  string    // org.opencontainers.image.version, omitted when ""
	Revision string    // org.opencontainers.image.revision, omitted when ""
	Created  time.Time // every timestamp in the image; the Unix epoch when zero
	// Tools are static linux executables for Platform (load generators
	// such as fortio) added at /usr/local/bin/<base name> and listed in
	// the LabelTools label; their order does not matter.
	Tools []string
}

// Result describes a written image.
type Result struct {
	Tag    string  // the reference as containerd names it: docker.io/library/smp:dev
	Digest v1.Hash // the image manifest's digest
	Size   int64   // bytes written to Output
}

// Build checks the binary, builds the image and writes it to o.Output as a
// tarball (written to a temporary file, then renamed).
func Build(ctx context.Context, o Options) (Result, error) {
	if o.Output == "" {
		return Result{}, errors.New("output: expected a file path for the tarball")
	}
	tag, err := parseTag(o.Tag)
	if err != nil {
		return Result{}, err
	}
	img, err := New(o)
	if err != nil {
		return Result{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return Result{}, fmt.Errorf("image digest: %w", err)
	}
	size, err := writeTarball(ctx, o.Output, tag, img)
	if err != nil {
		return Result{}, err
	}
	return Result{Tag: fullName(tag), Digest: digest, Size: size}, nil
}

// New builds the image in memory (its layer is gzipped when first read).
func New(o Options) (v1.Image, error) {
	if o.Binary == "" {
		return nil, errors.New("binary: expected the path of a static linux executable")
	}
	if err := CheckStatic(o.Binary, o.Platform); err != nil {
		return nil, err
	}
	created := o.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	created = created.UTC().Truncate(time.Second)
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("binary: %w", err)
	}
	tools, err := readTools(o.Tools, o.Platform)
	if err != nil {
		return nil, err
	}
	rootfs, err := rootFS(bin, tools, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(rootfs.opener())
	if err != nil {
		return nil, fmt.Errorf("image layer: %w", err)
	}
	labels := map[string]string{LabelSource: "https://github.com/smp-dev/smp"}
	if o.Version != "" {
		labels[LabelVersion] = o.Version
	}
	if o.Revision != "" {
		labels[LabelRevision] = o.Revision
	}
	if len(tools) > 0 {
		labels[LabelTools] = toolsLabel(tools)
	}
	cfg := &v1.ConfigFile{
		Architecture: o.Platform.Arch,
		OS:           o.Platform.OS,
		Variant:      o.Platform.Variant,
		Created:      v1.Time{Time: created},
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			Entrypoint: []string{Entrypoint},
			User:       User,
			WorkingDir: "/tmp",
			Env:        []string{"PATH=" + imagePath},
			Labels:     labels,
		},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	comment := "static smp binary at " + Entrypoint
	for i, t := range tools {
		sep := ", "
		if i == 0 {
			sep = "; tools in " + ToolDir + ": "
		}
		comment += sep + t.name
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: created},
			CreatedBy: "smp image build",
			Comment:   comment,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("image layer: %w", err)
	}
	return img, nil
}

func parseTag(ref string) (name.Tag, error) {
	if ref == "" {
		ref = DefaultTag
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return name.Tag{}, fmt.Errorf("tag %q: expected an image reference such as smp:dev or registry.local/smp:v1: %w", ref, err)
	}
	return tag, nil
}
