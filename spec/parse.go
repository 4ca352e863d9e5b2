package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlErrLine splits a YAML syntax error into its line and message.
var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ParseFile reads and parses the spec in the file at path. Problems name
// the file as path. An unreadable file is an error that does not wrap
// ErrInvalid.
func ParseFile(path string) (*Test, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse reads a spec from YAML data; filename is used only in problems.
// It is strict: unknown fields, values of the wrong type, duplicate keys,
// more than one document and an empty document are all problems. Fields
// left out get their defaults (see Default), then Validate runs. Parse
// returns the test only when nothing is wrong; otherwise it returns a
// Problems error holding every problem found, each with its line and
// column, sorted by position. It never panics.
func Parse(data []byte, filename string) (*Test, error) {
	w := newWalker(filename)
	root := w.document(data)
	if root == nil {
		return nil, w.problems
	}
	var t Test
	w.root(root, &t)
	if !w.bad[""] {
		t.applyDefaults(w.given)
		w.builtinOnly(&t)
		w.arrivalOnly(&t)
		var ps Problems
		if errors.As(t.Validate(), &ps) {
			w.place(ps)
		}
	}
	if len(w.problems) > 0 {
		slices.SortStableFunc(w.problems, func(a, b Problem) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		return nil, w.problems
	}
	return &t, nil
}

// document returns the root node of the one document in data, or nil after
// recording why there is none. Empty documents (a stray "---") are
// ignored; a second document with content is a problem.
func (w *walker) document(data []byte) *yaml.Node {
	docs, err := decodeAll(data)
	if err != nil {
		w.syntax(err)
		return nil
	}
	var roots []*yaml.Node
	for _, d := range docs {
		if len(d.Content) > 0 && !isNull(d.Content[0]) {
			roots = append(roots, d.Content[0])
		}
	}
	if len(roots) == 0 {
		w.problem(nil, "", "an empty document", expTest)
		return nil
	}
	if len(roots) > 1 {
		w.problem(roots[1], "", "a second document", "one test spec per file")
	}
	return roots[0]
}

// decodeAll decodes every YAML document in data. A panic of the YAML
// library is returned as an error: bad input must never crash smp.
func decodeAll(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		switch err := dec.Decode(&n); {
		case errors.Is(err, io.EOF):
			return docs, nil
		case err != nil:
			return docs, err
		}
		docs = append(docs, &n)
	}
}

// syntax records a YAML syntax error, with its line when the library gives
// one.
func (w *walker) syntax(err error) {
	msg, line := err.Error(), 0
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if isParserError(msg) {
		// The library prints the 0-based line of parser (not scanner)
		// errors, and none when that is 0.
		line++
	}
	w.problems = append(w.problems, Problem{
		File: w.file, Line: line,
		Value: "invalid YAML (" + msg + ")", Expected: "well-formed YAML",
	})
}

// isParserError reports whether msg is one of the YAML library's parser
// errors, whose line it reports 0-based.
func isParserError(msg string) bool {
	switch msg {
	case "did not find expected <stream-start>",
		"did not find expected <document start>",
		"found undefined tag handle",
		"did not find expected node content",
		"did not find expected '-' indicator",
		"did not find expected key",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found duplicate %TAG directive":
		return true
	}
	return false
}

// given reports whether the field at path was in the document.
func (w *walker) given(path string) bool {
	_, ok := w.nodes[path]
	return ok
}

// builtinOnly adds the problems Validate cannot see: responseSize or
// serviceTime written as zero next to a url. (Non-zero ones are Validate's.)
func (w *walker) builtinOnly(t *Test) {
	if t.Workload.URL == "" || t.Workload.App != "" {
		return
	}
	for _, f := range []struct {
		path string
		zero bool
	}{
		{"workload.responseSize", t.Workload.ResponseSize == 0},
		{"workload.serviceTime", t.Workload.ServiceTime == 0},
	} {
		if n := w.nodes[f.path]; n != nil && f.zero && !w.bad[f.path] {
			w.problem(n, f.path, render(n), "nothing with url (only for an app)")
		}
	}
}

// place adds Validate's problems with their positions. A problem is placed
// at its field's value (a map entry at its key); a field that is missing
// at its parent's key. The value is shown as written when the field was
// given, and marked "(default)" when a default put it there. Problems
// about fields that already have a problem of shape are dropped.
func (w *walker) place(ps Problems) {
	for _, p := range ps {
		if w.suppressed(p.Field) {
			continue
		}
		p.File = w.file
		if n := w.nodes[p.Field]; n != nil {
			r := resolve(n)
			plain := r != nil && (r.Kind == yaml.ScalarNode || len(r.Content) == 0)
			if plain && (p.Value == "" || !isMapEntry(p.Field)) {
				p.Value = render(n)
			}
		} else if p.Value != "" {
			p.Value += " (default)"
		}
		if n := w.locate(p.Field); n != nil {
			p.Line, p.Col = n.Line, n.Column
		}
		w.problems = append(w.problems, p)
	}
}

// locate returns the node a problem about the field at path points at: its
// value, or its key for map entries and for mappings and lists that are
// not empty (their value starts on the next line); for a missing field,
// the nearest parent that is there.
func (w *walker) locate(path string) *yaml.Node {
	if n := w.nodes[path]; n != nil {
		r := resolve(n)
		nested := r != nil && r.Kind != yaml.ScalarNode && len(r.Content) > 0
		if k := w.keys[path]; k != nil && (nested || isMapEntry(path)) {
			return k
		}
		return n
	}
	for path != "" {
		path = parent(path)
		if k := w.keys[path]; k != nil {
			return k
		}
		if n := w.nodes[path]; n != nil {
			return n
		}
	}
	return nil
}

// suppressed reports whether a problem about field would repeat a problem
// of shape: the field, one of its parents or one of its children had the
// wrong type.
func (w *walker) suppressed(field string) bool {
	for b := range w.bad {
		if related(field, b) || related(b, field) {
			return true
		}
	}
	return false
}

// related reports whether ancestor is path or holds it ("" holds all).
func related(ancestor, path string) bool {
	return ancestor == "" || path == ancestor ||
		strings.HasPrefix(path, ancestor+".") || strings.HasPrefix(path, ancestor+"[")
}

// isMapEntry reports whether path names an entry of a string map
// (labels["team"]).
func isMapEntry(path string) bool { return strings.HasSuffix(path, `"]`) }
