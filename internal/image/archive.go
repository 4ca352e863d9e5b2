package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The tarball is an OCI image layout (oci-layout, index.json, blobs/) with a
// docker-archive manifest.json beside it naming the same blobs, the layout
// `docker save` writes since Docker 25. containerd (ctr images import, kind
// load) reads the OCI index and so keeps the image's own manifest and
// digest; older docker load and go-containerregistry read manifest.json.
// Every entry has the same mode and a zero time: the same image gives the
// same bytes.

// dockerEntry is one image of a docker-archive manifest.json.
type dockerEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// containerdName is the annotation containerd names an imported image by.
const containerdName = "io.containerd.image.name"

// fullName is ref as containerd and the kubelet spell it:
// docker.io/library/smp:dev for smp:dev.
func fullName(ref name.Tag) string {
	reg := ref.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	return reg + "/" + ref.RepositoryStr() + ":" + ref.TagStr()
}

// repoTag is ref as docker-archive's RepoTags have it: as given, with the
// tag spelled out.
func repoTag(ref name.Tag) string {
	s := ref.String()
	if !strings.HasSuffix(s, ":"+ref.TagStr()) {
		s += ":" + ref.TagStr()
	}
	return s
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// writeArchive writes img under ref to w.
func writeArchive(w io.Writer, ref name.Tag, img v1.Image) error {
	manifest, err := img.RawManifest()
	if err != nil {
		return fmt.Errorf("image manifest: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image manifest: %w", err)
	}
	mediaType, err := img.MediaType()
	if err != nil {
		return fmt.Errorf("image manifest: %w", err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("image config: %w", err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("image config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("image layers: %w", err)
	}
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     "application/vnd.oci.image.index.v1+json",
		Manifests: []v1.Descriptor{{
			MediaType: mediaType,
			Digest:    digest,
			Size:      int64(len(manifest)),
			Annotations: map[string]string{
				containerdName:                      fullName(ref),
				"org.opencontainers.image.ref.name": ref.TagStr(),
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("image index: %w", err)
	}
	docker := []dockerEntry{{Config: blobPath(configName), RepoTags: []string{repoTag(ref)}}}

	tw := tar.NewWriter(w)
	put := func(path string, size int64, r io.Reader) error {
		h := &tar.Header{Name: path, Mode: 0o644, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		n, err := io.Copy(tw, r)
		if err == nil && n != size {
			err = fmt.Errorf("%s: %d bytes, expected %d", path, n, size)
		}
		return err
	}
	putBytes := func(path string, b []byte) error { return put(path, int64(len(b)), bytes.NewReader(b)) }

	if err := putBytes("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := putBytes(blobPath(configName), config); err != nil {
		return err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return fmt.Errorf("image layer: %w", err)
		}
		size, err := l.Size()
		if err != nil {
			return fmt.Errorf("image layer: %w", err)
		}
		rc, err := l.Compressed()
		if err != nil {
			return fmt.Errorf("image layer: %w", err)
		}
		err = put(blobPath(d), size, rc)
		rc.Close()
		if err != nil {
			return err
		}
		docker[0].Layers = append(docker[0].Layers, blobPath(d))
	}
	if err := putBytes(blobPath(digest), manifest); err != nil {
		return err
	}
	if err := putBytes("index.json", index); err != nil {
		return err
	}
	dockerManifest, err := json.Marshal(docker)
	if err != nil {
		return fmt.Errorf("docker manifest: %w", err)
	}
	if err := putBytes("manifest.json", dockerManifest); err != nil {
		return err
	}
	return tw.Close()
}

// writeTarball writes img to path via a temporary file in the same
// directory, so that an interrupted build leaves no partial file.
func writeTarball(ctx context.Context, path string, ref name.Tag, img v1.Image) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, fmt.Errorf("output: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // fails harmlessly after the rename
	w := &ctxWriter{ctx: ctx, w: tmp}
	if err := writeArchive(w, ref, img); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, fmt.Errorf("output: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("output: %w", err)
	}
	return w.n, nil
}

// ctxWriter stops a write once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
