package image

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Where added tools go in the image, and the label that lists them.
const (
	ToolDir    = "/usr/local/bin"
	LabelTools = "dev.smp.image.tools"
	// imagePath is the image's PATH: the added tools, then / (smp itself).
	imagePath = ToolDir + ":/"
)

// tool is one executable added to the image.
type tool struct {
	name string // its base name: /usr/local/bin/<name>
	body []byte
	desc string // what LabelTools records of it
}

// readTools checks and reads the tools at paths (static executables for p,
// with distinct base names), sorted by name so that the order they were
// given in does not change the image.
func readTools(paths []string, p Platform) ([]tool, error) {
	seen := map[string]string{}
	tools := make([]tool, 0, len(paths))
	for _, path := range paths {
		name := filepath.Base(path)
		if path == "" || name == "." || name == "/" || name == "smp" {
			return nil, fmt.Errorf("tool %q: expected the path of a static linux executable other than smp", path)
		}
		if prev, ok := seen[name]; ok {
			return nil, fmt.Errorf("tool %s: %s is added already (from %s): expected one tool per name", path, filepath.Join(ToolDir, name), prev)
		}
		seen[name] = path
		if err := CheckStatic(path, p); err != nil {
			return nil, fmt.Errorf("tool %s cannot go in the image, which has no shared libraries: %w", path, err)
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("tool %s: %w", path, err)
		}
		tools = append(tools, tool{name: name, body: body, desc: describe(path, name, body)})
	}
	sort.Slice(tools, func(i, j int) bool { return tools[i].name < tools[j].name })
	return tools, nil
}

// describe is "name (module@version, sha256:…)" for a Go binary that
// records its main module's version, else "name (sha256:…)".
func describe(path, name string, body []byte) string {
	sum := sha256.Sum256(body)
	parts := []string{"sha256:" + hex.EncodeToString(sum[:])}
	if mod := ModuleVersion(path); mod != "" {
		parts = append([]string{mod}, parts...)
	}
	return fmt.Sprintf("%s (%s)", name, strings.Join(parts, ", "))
}

// ModuleVersion is module@version of a Go binary's main module, as `go
// install module@version` records it; "" when the file is not a Go binary
// or was built from a work tree ("(devel)"). See BinaryVersion for what a
// build with -ldflags -X records.
func ModuleVersion(path string) string {
	bi, err := buildinfo.ReadFile(path)
	if err != nil || bi.Main.Path == "" || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Path + "@" + bi.Main.Version
}

// toolsLabel is LabelTools's value: each tool described, "; " between.
func toolsLabel(tools []tool) string {
	d := make([]string, len(tools))
	for i, t := range tools {
		d[i] = t.desc
	}
	return strings.Join(d, "; ")
}
