package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// namedELF writes a static amd64 fixture named name (the tool's name in
// the image), with extra bytes appended to tell fixtures apart.
func namedELF(t *testing.T, name, extra string) string {
	t.Helper()
	body, err := os.ReadFile(writeELF(t, elf.EM_X86_64, ""))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, append(body, extra...), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestImageTools(t *testing.T) {
	t.Parallel()
	bin := writeELF(t, elf.EM_X86_64, "")
	vegeta, fortio := namedELF(t, "vegeta", "v"), namedELF(t, "fortio", "f")
	img, err := New(Options{Binary: bin, Platform: amd64, Tools: []string{vegeta, fortio}})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cf.Config.Env, "PATH=/usr/local/bin:/") {
		t.Errorf("env %q: want PATH=/usr/local/bin:/", cf.Config.Env)
	}
	// Sorted by name, each with its digest (the fixtures are no Go binaries).
	want := "fortio (" + sha(t, fortio) + "); vegeta (" + sha(t, vegeta) + ")"
	if got := cf.Config.Labels[LabelTools]; got != want {
		t.Errorf("label %s = %q, want %q", LabelTools, got, want)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %d, %v; want 1", len(layers), err)
	}
	files := readLayer(t, layers[0])
	for name, path := range map[string]string{"usr/local/bin/fortio": fortio, "usr/local/bin/vegeta": vegeta} {
		body, _ := os.ReadFile(path)
		if f, ok := files[name]; !ok || f.dir || f.mode != 0o755 || !bytes.Equal(f.body, body) {
			t.Errorf("layer entry %s = mode %o, %d bytes (present %v); want the tool, mode 755", name, f.mode, len(f.body), ok)
		}
	}
	for _, dir := range []string{"usr/", "usr/local/", "usr/local/bin/"} {
		if f, ok := files[dir]; !ok || !f.dir || f.mode != 0o755 {
			t.Errorf("layer entry %s = %+v (present %v); want a directory, mode 755", dir, f, ok)
		}
	}
	if len(files) != 10 {
		t.Errorf("layer has %d entries, want 10", len(files))
	}

	// Without tools: no /usr in the layer, no label.
	img, err = New(Options{Binary: bin, Platform: amd64})
	if err != nil {
		t.Fatal(err)
	}
	cf, _ = img.ConfigFile()
	layers, _ = img.Layers()
	if _, ok := cf.Config.Labels[LabelTools]; ok || len(readLayer(t, layers[0])) != 5 {
		t.Errorf("an image without tools has the label %q or more than 5 entries", cf.Config.Labels[LabelTools])
	}
}

func TestBuildToolsDeterministic(t *testing.T) {
	t.Parallel()
	bin := writeELF(t, elf.EM_X86_64, "")
	vegeta, fortio := namedELF(t, "vegeta", "v"), namedELF(t, "fortio", "f")
	dir := t.TempDir()
	build := func(out string, tools ...string) Result {
		t.Helper()
		r, err := Build(context.Background(), Options{Binary: bin, Output: filepath.Join(dir, out), Platform: amd64, Tools: tools})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := build("a.tar", fortio, vegeta), build("b.tar", fortio, vegeta), build("c.tar", vegeta, fortio)
	if a.Digest != b.Digest || a.Digest != c.Digest {
		t.Fatalf("same tools, digests %s, %s and (other order) %s", a.Digest, b.Digest, c.Digest)
	}
	ab, _ := os.ReadFile(filepath.Join(dir, "a.tar"))
	cb, _ := os.ReadFile(filepath.Join(dir, "c.tar"))
	if !bytes.Equal(ab, cb) {
		t.Errorf("same tools in another order: tarballs differ")
	}
	other := namedELF(t, "fortio", "F")
	for name, r := range map[string]Result{
		"no tools":       build("d.tar"),
		"one tool":       build("e.tar", fortio),
		"another fortio": build("f.tar", other, vegeta),
	} {
		if r.Digest == a.Digest {
			t.Errorf("%s: digest %s unchanged", name, r.Digest)
		}
	}
}

func TestToolsRejected(t *testing.T) {
	t.Parallel()
	bin := writeELF(t, elf.EM_X86_64, "")
	dynamic := filepath.Join(t.TempDir(), "wrk")
	body, _ := os.ReadFile(writeELF(t, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"))
	if err := os.WriteFile(dynamic, body, 0o755); err != nil {
		t.Fatal(err)
	}
	fortio := namedELF(t, "fortio", "")
	cases := []struct {
		name   string
		tools  []string
		want   string
		static bool // the error is ErrNotStatic
	}{
		{"dynamic", []string{fortio, dynamic}, "tool " + dynamic + " cannot go in the image, which has no shared libraries: " +
			dynamic + " is dynamically linked (it needs the loader /lib64/ld-linux-x86-64.so.2)", true},
		{"arm64", []string{writeELF(t, elf.EM_AARCH64, "")}, "not linux/amd64", true},
		{"twice", []string{fortio, namedELF(t, "fortio", "x")}, "/usr/local/bin/fortio is added already (from " + fortio + ")", false},
		{"smp", []string{namedELF(t, "smp", "")}, "other than smp", false},
		{"missing", []string{filepath.Join(t.TempDir(), "hey")}, "hey", false},
	}
	for _, p := range []string{"/usr/bin/wrk", "/bin/ls"} {
		if _, err := os.Stat(p); err == nil {
			cases = append(cases, struct {
				name   string
				tools  []string
				want   string
				static bool
			}{p, []string{p}, p + " is dynamically linked", true})
		}
	}
	for _, c := range cases {
		_, err := New(Options{Binary: bin, Platform: amd64, Tools: c.tools})
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrNotStatic) != c.static {
			t.Errorf("%s: New = %v; want an error saying %q (ErrNotStatic %v)", c.name, err, c.want, c.static)
		}
	}
}

func TestModuleVersion(t *testing.T) {
	t.Parallel()
	if v := ModuleVersion(writeELF(t, elf.EM_X86_64, "")); v != "" {
		t.Errorf("ModuleVersion(not a Go binary) = %q, want \"\"", v)
	}
	if exe, err := os.Executable(); err == nil {
		if v := ModuleVersion(exe); v != "" {
			t.Errorf("ModuleVersion(this test binary, built from a work tree) = %q, want \"\"", v)
		}
	}
	// A Go binary installed from the module proxy, when this machine has
	// one on PATH (scripts/install-deps installs fortio; scripts/test puts
	// it on PATH).
	path, err := exec.LookPath("fortio")
	if err != nil {
		t.Skip("no fortio on PATH: the module@version case is not checked")
	}
	v := ModuleVersion(path)
	if !strings.HasPrefix(v, "fortio.org/fortio@v") {
		t.Errorf("ModuleVersion(%s) = %q, want fortio.org/fortio@v…", path, v)
	}
	body, _ := os.ReadFile(path)
	if d := describe(path, "fortio", body); d != "fortio ("+v+", "+sha(t, path)+")" {
		t.Errorf("describe(%s) = %q", path, d)
	}
}
