package certify

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFS is a file system the checks read (rooted at "/") that --tune
// can also write to. Tests use a temporary copy of a fake tree; the
// machine's own is Root("/").
type WriteFS interface {
	fs.FS
	// WriteFile replaces the contents of the existing file name (a
	// slash-separated path relative to the root, as for fs.FS). It never
	// creates a file: a setting the kernel does not have cannot be tuned.
	WriteFile(name string, data []byte) error
}

// Root is the directory tree at dir, readable and writable: Root("/") is
// this machine's procfs and sysfs.
func Root(dir string) WriteFS { return rootFS{FS: os.DirFS(dir), dir: dir} }

type rootFS struct {
	fs.FS
	dir string
}

var (
	_ WriteFS       = rootFS{}
	_ fs.ReadFileFS = rootFS{}
)

// ReadFile reads name in one go, as os.DirFS does. Without it (the
// embedded interface hides os.DirFS's ReadFile) fs.ReadFile would read a
// procfs file of size 0 one byte at a time, and a sysctl file answers a
// read past offset 0 with EOF: somaxconn 4096 would read as "4".
func (r rootFS) ReadFile(name string) ([]byte, error) {
	return fs.ReadFile(r.FS, name)
}

func (r rootFS) WriteFile(name string, data []byte) error {
	if !fs.ValidPath(name) {
		return &fs.PathError{Op: "write", Path: name, Err: fs.ErrInvalid}
	}
	// O_TRUNC without O_CREATE: as `echo v > file` does for a sysfs or
	// procfs file, and an error when the file is not there.
	f, err := os.OpenFile(filepath.Join(r.dir, filepath.FromSlash(name)), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	// sysfs takes a value in a single write; report a short one.
	n, err := f.Write(data)
	if err == nil && n < len(data) {
		err = fmt.Errorf("write %s: wrote %d of %d bytes", name, n, len(data))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
