package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/smp-dev/smp/internal/image/imagetest"
)

var amd64 = Platform{OS: "linux", Arch: "amd64"}

func writeELF(t *testing.T, m elf.Machine, interp string) string {
	return imagetest.WriteELF(t, m, interp)
}

func TestCheckStatic(t *testing.T) {
	t.Parallel()
	static := writeELF(t, elf.EM_X86_64, "")
	if err := CheckStatic(static, amd64); err != nil {
		t.Fatalf("static amd64 fixture rejected: %v", err)
	}
	text := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		p          Platform
		want       string
	}{
		{"dynamic", writeELF(t, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"), amd64,
			"dynamically linked (it needs the loader /lib64/ld-linux-x86-64.so.2)"},
		{"wrong machine", writeELF(t, elf.EM_AARCH64, ""), amd64, "built for EM_AARCH64"},
		{"wrong platform", static, Platform{OS: "linux", Arch: "arm64"}, "not linux/arm64"},
		{"not ELF", text, amd64, "is not an ELF executable"},
	}
	if _, err := os.Stat("/bin/ls"); err == nil {
		cases = append(cases, struct {
			name, path string
			p          Platform
			want       string
		}{"/bin/ls", "/bin/ls", amd64, "/bin/ls is dynamically linked"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckStatic(c.path, c.p)
			if err == nil {
				t.Fatalf("CheckStatic(%s, %s) accepted it", c.path, c.p)
			}
			if !errors.Is(err, ErrNotStatic) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("CheckStatic(%s, %s) = %v; want ErrNotStatic saying %q", c.path, c.p, err, c.want)
			}
		})
	}
	if err := CheckStatic(filepath.Join(t.TempDir(), "missing"), amd64); err == nil || errors.Is(err, ErrNotStatic) {
		t.Fatalf("missing file: got %v, want a plain file error", err)
	}
}

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Platform{
		"linux/amd64":    amd64,
		"linux/arm64":    {OS: "linux", Arch: "arm64"},
		"linux/arm/v7":   {OS: "linux", Arch: "arm", Variant: "v7"},
		"darwin/arm64":   {},
		"linux":          {},
		"linux/sparc":    {},
		"linux/amd64/x/": {},
	} {
		got, err := ParsePlatform(in)
		if (err == nil) != (want != Platform{}) || got != want {
			t.Errorf("ParsePlatform(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestImageContents(t *testing.T) {
	t.Parallel()
	bin := writeELF(t, elf.EM_X86_64, "")
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	img, err := New(Options{Binary: bin, Platform: amd64, Version: "1.2.3", Revision: "abc123", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/smp" || c.User != "65534:65534" ||
		c.Labels[LabelVersion] != "1.2.3" || c.Labels[LabelRevision] != "abc123" {
		t.Errorf("config = entrypoint %q, user %q, labels %v", c.Entrypoint, c.User, c.Labels)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" || !cf.Created.Equal(created) {
		t.Errorf("config = %s/%s created %v; want linux/amd64 created %v", cf.OS, cf.Architecture, cf.Created, created)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %d, %v; want 1", len(layers), err)
	}
	files := readLayer(t, layers[0])
	want, _ := os.ReadFile(bin)
	for name, check := range map[string]func(f layerFile) bool{
		"smp":        func(f layerFile) bool { return f.mode == 0o755 && bytes.Equal(f.body, want) },
		"tmp/":       func(f layerFile) bool { return f.dir && f.mode == 0o1777 },
		"etc/passwd": func(f layerFile) bool { return strings.Contains(string(f.body), "nobody:x:65534:65534:") },
		"etc/group":  func(f layerFile) bool { return strings.Contains(string(f.body), "nogroup:x:65534:") },
	} {
		f, ok := files[name]
		if !ok || !check(f) || !f.modTime.Equal(created) {
			t.Errorf("layer entry %s = %+v (present %v); not as expected", name, f, ok)
		}
	}
	if len(files) != 5 {
		t.Errorf("layer has %d entries, want 5: %v", len(files), files)
	}
}

type layerFile struct {
	mode    int64
	dir     bool
	body    []byte
	modTime time.Time
}

func readLayer(t *testing.T, l v1.Layer) map[string]layerFile {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	return readTar(t, rc)
}

func readTar(t *testing.T, r io.Reader) map[string]layerFile {
	t.Helper()
	files := map[string]layerFile{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = layerFile{mode: h.Mode, dir: h.Typeflag == tar.TypeDir, body: body, modTime: h.ModTime}
	}
}

func TestBuildDeterministic(t *testing.T) {
	t.Parallel()
	bin := writeELF(t, elf.EM_X86_64, "")
	dir := t.TempDir()
	build := func(out string, mod func(*Options)) Result {
		t.Helper()
		o := Options{Binary: bin, Output: filepath.Join(dir, out), Platform: amd64, Version: "1.2.3"}
		if mod != nil {
			mod(&o)
		}
		r, err := Build(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := build("a.tar", nil), build("b.tar", nil)
	if a.Digest != b.Digest {
		t.Fatalf("same input, digests %s and %s", a.Digest, b.Digest)
	}
	ab, _ := os.ReadFile(filepath.Join(dir, "a.tar"))
	bb, _ := os.ReadFile(filepath.Join(dir, "b.tar"))
	if !bytes.Equal(ab, bb) || int64(len(ab)) != a.Size {
		t.Fatalf("same input, tarballs differ (%d and %d bytes, reported %d)", len(ab), len(bb), a.Size)
	}
	if a.Tag != "docker.io/library/smp:dev" {
		t.Errorf("default tag = %q, want docker.io/library/smp:dev", a.Tag)
	}
	// The tarball reads back as the image that was built, under its tag,
	// both as a docker archive and as an OCI layout.
	tag, err := name.NewTag("smp:dev")
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(filepath.Join(dir, "a.tar"), &tag)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := img.Digest(); err != nil || d != a.Digest {
		t.Fatalf("docker-archive image digest = %s, %v; built %s", d, err, a.Digest)
	}
	files := readTar(t, bytes.NewReader(ab))
	var index v1.IndexManifest
	if err := json.Unmarshal(files["index.json"].body, &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v: %s", err, files["index.json"].body)
	}
	m := index.Manifests[0]
	manifest := files["blobs/sha256/"+a.Digest.Hex].body
	if m.Digest != a.Digest || m.Size != int64(len(manifest)) || m.Annotations[containerdName] != a.Tag {
		t.Errorf("index.json names %+v; want digest %s, size %d, name %s", m, a.Digest, len(manifest), a.Tag)
	}
	if got := sha256.Sum256(manifest); hex.EncodeToString(got[:]) != a.Digest.Hex {
		t.Errorf("the manifest blob does not hash to the image digest %s", a.Digest)
	}
	if _, ok := files["oci-layout"]; !ok {
		t.Errorf("no oci-layout in the tarball: %v", files)
	}
	for name, mod := range map[string]func(*Options){
		"created": func(o *Options) { o.Created = time.Unix(1700000000, 0) },
		"version": func(o *Options) { o.Version = "1.2.4" },
		"binary":  nil, // set below: the same fixture with one more byte
	} {
		if name == "binary" {
			other := filepath.Join(t.TempDir(), "bin")
			body, _ := os.ReadFile(bin)
			if err := os.WriteFile(other, append(body, 0), 0o755); err != nil {
				t.Fatal(err)
			}
			mod = func(o *Options) { o.Binary = other }
		}
		if r := build(name+".tar", mod); r.Digest == a.Digest {
			t.Errorf("changing the %s left the digest at %s", name, r.Digest)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "smp.tar")
	for name, o := range map[string]Options{
		"dynamic":    {Binary: writeELF(t, elf.EM_X86_64, "/lib/ld.so"), Output: out, Platform: amd64},
		"bad tag":    {Binary: writeELF(t, elf.EM_X86_64, ""), Output: out, Platform: amd64, Tag: "Not A Tag"},
		"no output":  {Binary: writeELF(t, elf.EM_X86_64, ""), Platform: amd64},
		"no binary":  {Output: out, Platform: amd64},
		"bad platfm": {Binary: writeELF(t, elf.EM_X86_64, ""), Output: out, Platform: Platform{OS: "windows", Arch: "amd64"}},
	} {
		if _, err := Build(context.Background(), o); err == nil {
			t.Errorf("%s: Build accepted %+v", name, o)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, Options{Binary: writeELF(t, elf.EM_X86_64, ""), Output: out, Platform: amd64}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: got %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed builds left files: %v", entries)
	}
}
