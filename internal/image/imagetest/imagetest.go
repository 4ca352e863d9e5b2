// Package imagetest writes executable fixtures for tests of the image
// build: minimal ELF files, static or with a loader, for any machine.
package imagetest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// WriteELF writes a minimal 64-bit little-endian ELF executable for m: one
// PT_LOAD segment (x86-64 code for exit(0), which no test runs) and, when
// interp is not "", a PT_INTERP segment naming that loader, as a dynamic
// binary has. It returns the file's path, in a temporary directory of t.
func WriteELF(t *testing.T, m elf.Machine, interp string) string {
	t.Helper()
	const base = 0x400000
	code := []byte{0xb8, 0x3c, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05} // mov eax,60; xor edi,edi; syscall
	nprog := 1
	if interp != "" {
		nprog = 2
	}
	hdrSize := uint64(binary.Size(elf.Header64{}))
	progSize := uint64(binary.Size(elf.Prog64{}))
	codeOff := hdrSize + uint64(nprog)*progSize
	interpOff := codeOff + uint64(len(code))
	total := interpOff + uint64(len(interp)) + 1
	h := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(m), Version: uint32(elf.EV_CURRENT),
		Entry: base + codeOff, Phoff: hdrSize, Ehsize: uint16(hdrSize),
		Phentsize: uint16(progSize), Phnum: uint16(nprog), Shentsize: 64,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var b bytes.Buffer
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(binary.Write(&b, binary.LittleEndian, h))
	must(binary.Write(&b, binary.LittleEndian, elf.Prog64{
		Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X),
		Vaddr: base, Paddr: base, Filesz: total, Memsz: total, Align: 0x1000,
	}))
	if interp != "" {
		must(binary.Write(&b, binary.LittleEndian, elf.Prog64{
			Type: uint32(elf.PT_INTERP), Flags: uint32(elf.PF_R), Off: interpOff,
			Vaddr: base + interpOff, Paddr: base + interpOff,
			Filesz: uint64(len(interp)) + 1, Memsz: uint64(len(interp)) + 1, Align: 1,
		}))
	}
	b.Write(code)
	if interp != "" {
		b.WriteString(interp)
	}
	b.WriteByte(0)
	p := filepath.Join(t.TempDir(), "bin")
	must(os.WriteFile(p, b.Bytes(), 0o755))
	return p
}
