package image

import (
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"strings"
)

// ErrNotStatic is wrapped by CheckStatic's errors for a file that cannot run
// alone in the image: not an ELF executable, built for another platform, or
// dynamically linked.
var ErrNotStatic = errors.New("not a static linux executable for the platform")

// Platform is an image's target OS and architecture (linux only).
type Platform struct {
	OS, Arch, Variant string
}

func (p Platform) String() string {
	s := p.OS + "/" + p.Arch
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// machine is what an ELF executable for a Go GOARCH looks like.
type machine struct {
	class   elf.Class
	machine elf.Machine
	order   string // "little" or "big"
}

var machines = map[string]machine{
	"amd64":   {elf.ELFCLASS64, elf.EM_X86_64, "little"},
	"arm64":   {elf.ELFCLASS64, elf.EM_AARCH64, "little"},
	"arm":     {elf.ELFCLASS32, elf.EM_ARM, "little"},
	"386":     {elf.ELFCLASS32, elf.EM_386, "little"},
	"ppc64le": {elf.ELFCLASS64, elf.EM_PPC64, "little"},
	"s390x":   {elf.ELFCLASS64, elf.EM_S390, "big"},
	"riscv64": {elf.ELFCLASS64, elf.EM_RISCV, "little"},
}

// ParsePlatform reads "linux/ARCH" or "linux/ARCH/VARIANT".
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "linux" {
		return Platform{}, fmt.Errorf("platform %q: expected linux/ARCH, e.g. linux/amd64", s)
	}
	if _, ok := machines[parts[1]]; !ok {
		return Platform{}, fmt.Errorf("platform %q: architecture %q is not one of %s", s, parts[1], archList())
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

func archList() string {
	return "amd64, arm64, arm, 386, ppc64le, s390x, riscv64"
}

// CheckStatic reports whether the file at path is an ELF executable for p
// that needs no dynamic loader or shared library, so that it runs in an
// image holding nothing else. A file with a program interpreter (PT_INTERP)
// or needed libraries (DT_NEEDED) is rejected; a static PIE, which has a
// dynamic section but neither of those, is accepted. When the file is a Go
// binary, its recorded GOOS and GOARCH must match p as well.
func CheckStatic(path string, p Platform) error {
	want, ok := machines[p.Arch]
	if p.OS != "linux" || !ok {
		return fmt.Errorf("platform %q: expected linux/ARCH with ARCH one of %s", p, archList())
	}
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return fmt.Errorf("%s is not an ELF executable (%v): %w", path, err, ErrNotStatic)
		}
		return fmt.Errorf("binary: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose on close
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s is an ELF %s, not an executable: %w", path, f.Type, ErrNotStatic)
	}
	if f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		return fmt.Errorf("%s is built for OS ABI %s, not linux: %w", path, f.OSABI, ErrNotStatic)
	}
	order := "little"
	if f.Data == elf.ELFDATA2MSB {
		order = "big"
	}
	if f.Machine != want.machine || f.Class != want.class || order != want.order {
		return fmt.Errorf("%s is built for %s (%s, %s-endian), not %s: %w", path, f.Machine, f.Class, order, p, ErrNotStatic)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			interp := make([]byte, prog.Filesz)
			n, _ := prog.ReadAt(interp, 0)
			return fmt.Errorf("%s is dynamically linked (it needs the loader %s): %w",
				path, strings.TrimRight(string(interp[:n]), "\x00"), ErrNotStatic)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("%s: reading its dynamic section: %v: %w", path, err, ErrNotStatic)
	}
	if len(libs) > 0 {
		return fmt.Errorf("%s is dynamically linked (it needs %s): %w", path, strings.Join(libs, ", "), ErrNotStatic)
	}
	if bi, err := buildinfo.ReadFile(path); err == nil {
		goos, goarch := setting(bi, "GOOS"), setting(bi, "GOARCH")
		if (goos != "" && goos != p.OS) || (goarch != "" && goarch != p.Arch) {
			return fmt.Errorf("%s is a Go binary for %s/%s, not %s: %w", path, goos, goarch, p, ErrNotStatic)
		}
	}
	return nil
}

// BinaryVersion reads what a Go binary records about its build: the value
// it was linked with for the string variable symbol (-ldflags "-X
// symbol=value"), and its VCS revision, with "-dirty" when the tree had
// local changes. Either is "" when not recorded; a file that is not a Go
// binary records neither.
func BinaryVersion(path, symbol string) (version, revision string) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return "", ""
	}
	for _, f := range strings.Fields(setting(bi, "-ldflags")) {
		if v, ok := strings.CutPrefix(strings.Trim(f, `'"`), symbol+"="); ok {
			version = v
		}
	}
	revision = setting(bi, "vcs.revision")
	if revision != "" && setting(bi, "vcs.modified") == "true" {
		revision += "-dirty"
	}
	return version, revision
}

func setting(bi *buildinfo.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
