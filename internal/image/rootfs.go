package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Files of the image besides the binary. nobody (65534) is the default
// user; root is there for those who override it.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	group  = "root:x:0:\nnogroup:x:65534:\n"
)

// rootTar is the layer's uncompressed tar stream.
type rootTar []byte

func (r rootTar) opener() tarball.Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(r)), nil }
}

// rootFS lays out the image's one layer: /etc/passwd, /etc/group, /smp,
// /tmp and, when there are tools, /usr/local/bin with them, owned by root,
// every timestamp modTime.
func rootFS(bin []byte, tools []tool, modTime time.Time) (rootTar, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	type entry struct {
		name string
		mode int64
		body []byte
		dir  bool
	}
	entries := []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, body: []byte(group)},
		{name: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: "smp", mode: 0o755, body: bin},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	if len(tools) > 0 {
		dir := strings.TrimPrefix(ToolDir, "/") + "/"
		entries = append(entries, entry{name: "usr/", mode: 0o755, dir: true},
			entry{name: "usr/local/", mode: 0o755, dir: true}, entry{name: dir, mode: 0o755, dir: true})
		for _, t := range tools {
			entries = append(entries, entry{name: dir + t.name, mode: 0o755, body: t.body})
		}
	}
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.name,
			Mode:    e.mode,
			ModTime: modTime,
			Format:  tar.FormatPAX,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("image layer %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, fmt.Errorf("image layer %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("image layer: %w", err)
	}
	return buf.Bytes(), nil
}
