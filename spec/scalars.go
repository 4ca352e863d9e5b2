package spec

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// scalar returns the scalar at n, aliases resolved, if its tag is one of
// tags; otherwise it records a type problem and returns nil.
func (w *walker) scalar(n *yaml.Node, path, expected string, tags ...string) *yaml.Node {
	s := resolve(n)
	if s != nil && s.Kind == yaml.ScalarNode && slices.Contains(tags, s.ShortTag()) {
		return s
	}
	w.wrongType(n, path, expected)
	return nil
}

// str reads a free-form string. A number or boolean where a string is
// expected is a problem (JSON and the schema would disagree about its
// type), with a hint to quote it.
func (w *walker) str(dst *string, expected string) reader {
	return func(n *yaml.Node, path string) {
		if s := resolve(n); s != nil && s.Kind == yaml.ScalarNode && slices.Contains([]string{"!!int", "!!float", "!!bool"}, s.ShortTag()) {
			w.wrongType(n, path, fmt.Sprintf("%s (quote it: %q)", expected, s.Value))
			return
		}
		w.word(dst, expected)(n, path)
	}
}

// word reads a string from a fixed set (a kind, a type), where quoting a
// number would not help.
func (w *walker) word(dst *string, expected string) reader {
	return func(n *yaml.Node, path string) {
		if s := w.scalar(n, path, expected, "!!str"); s != nil {
			*dst = s.Value
		}
	}
}

// integer reads an int.
func (w *walker) integer(dst *int, expected string) reader {
	return func(n *yaml.Node, path string) {
		s := w.scalar(n, path, expected, "!!int")
		if s == nil {
			return
		}
		var v int64
		if err := s.Decode(&v); err != nil || int64(int(v)) != v {
			w.wrongType(n, path, expected)
			return
		}
		*dst = int(v)
	}
}

// unsigned reads a uint64.
func (w *walker) unsigned(dst *uint64, expected string) reader {
	return func(n *yaml.Node, path string) {
		s := w.scalar(n, path, expected, "!!int")
		if s == nil {
			return
		}
		var v uint64
		if err := s.Decode(&v); err != nil {
			w.wrongType(n, path, expected)
			return
		}
		*dst = v
	}
}

// float reads a number, integer or not.
func (w *walker) float(dst *float64, expected string) reader {
	return func(n *yaml.Node, path string) {
		s := w.scalar(n, path, expected, "!!int", "!!float")
		if s == nil {
			return
		}
		var v float64
		if err := s.Decode(&v); err != nil {
			w.wrongType(n, path, expected)
			return
		}
		*dst = v
	}
}

// boolean reads true or false.
func (w *walker) boolean(dst *bool) reader {
	return func(n *yaml.Node, path string) {
		if s := w.scalar(n, path, "true or false", "!!bool"); s != nil {
			var v bool
			if err := s.Decode(&v); err != nil {
				w.wrongType(n, path, "true or false")
				return
			}
			*dst = v
		}
	}
}

// duration reads a duration with ParseDuration. Numbers reach it too, so
// that 0 is read and any other bare number gets ParseDuration's problem.
func (w *walker) duration(dst *Duration) reader {
	return func(n *yaml.Node, path string) {
		s := w.scalar(n, path, expDuration, "!!str", "!!int", "!!float")
		if s == nil {
			return
		}
		d, err := ParseDuration(s.Value)
		if err != nil {
			w.wrongType(n, path, err.Error())
			return
		}
		*dst = d
	}
}

// size reads a size: an integer, or a string ParseByteSize reads.
func (w *walker) size(dst *ByteSize) reader {
	return func(n *yaml.Node, path string) {
		s := w.scalar(n, path, expSize, "!!str", "!!int")
		if s == nil {
			return
		}
		if s.ShortTag() == "!!int" {
			var v int64
			if err := s.Decode(&v); err != nil {
				w.wrongType(n, path, expSize)
				return
			}
			*dst = ByteSize(v)
			return
		}
		b, err := ParseByteSize(s.Value)
		if err != nil {
			w.wrongType(n, path, err.Error())
			return
		}
		*dst = b
	}
}

// render describes a node as a Problem value: strings quoted, other
// scalars as written, collections by their shape.
func render(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			return "an empty mapping"
		}
		return "a mapping"
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return "an empty list"
		}
		return "a list"
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); tag {
		case "!!str":
			return quote(n.Value)
		case "!!null":
			return "null"
		case "!!int", "!!float", "!!bool":
			if len(n.Value) > maxValueRunes {
				return n.Value[:maxValueRunes] + "..."
			}
			return n.Value
		default:
			return tag + " " + quote(n.Value)
		}
	}
	return "an alias"
}
