package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// walker turns a YAML node tree into a Test. It reads every node it knows,
// records a problem for every node that does not fit (and carries on), and
// remembers where each field was so that Validate's problems can be placed.
// It descends only into the shapes the spec defines, so aliases cannot make
// it loop or blow up.
type walker struct {
	file     string
	problems Problems
	// nodes maps a field path ("load.rate", "meshes[0]") to its value node
	// as written (an alias stays an alias: its position is the useful one).
	// "" is the document's root. A path is in nodes when the field was given.
	nodes map[string]*yaml.Node
	// keys maps a field path to its key node, for fields inside mappings.
	keys map[string]*yaml.Node
	// bad holds the paths of fields whose value had the wrong shape. Their
	// Go value is left zero, so Validate's problems about them (or their
	// parents and children) would only repeat the point.
	bad map[string]bool
	// visits counts the values read; see maxVisits.
	visits int
}

// maxVisits bounds the values a walk reads. A real spec has a few dozen;
// aliases can make a small file stand for billions ("billion laughs"),
// which must cost a problem, not the machine.
const maxVisits = 10_000

// visit counts one value read, and reports whether the walk may go on.
// The first visit over the budget records the problem.
func (w *walker) visit(n *yaml.Node) bool {
	w.visits++
	if w.visits == maxVisits+1 {
		w.bad[""] = true
		w.problem(n, "", "a document of more than 10000 values", "a smaller test spec (an alias counts each time it is used)")
	}
	return w.visits <= maxVisits
}

// reader reads the value node of the field at path into its destination.
type reader func(n *yaml.Node, path string)

// field is a known key of a mapping: how the walker reads its value, and
// the value's shape in the schema.
type field struct {
	name string
	read reader
	s    shape
}

// sub is a field whose value is a mapping of known fields: mk returns its
// table (and may allocate the destination), when the mapping is met.
func (w *walker) sub(name, desc string, mk func() object) field {
	return field{name, w.object(mk), shape{desc: desc, obj: mk}}
}

// object reads a mapping of the fields mk returns.
func (w *walker) object(mk func() object) reader {
	return func(n *yaml.Node, path string) {
		o := mk()
		w.mapping(n, path, o.expected, o.fields)
	}
}

// entry is one key/value pair of a mapping.
type entry struct {
	name       string
	key, value *yaml.Node
}

func newWalker(file string) *walker {
	return &walker{
		file:  file,
		nodes: map[string]*yaml.Node{},
		keys:  map[string]*yaml.Node{},
		bad:   map[string]bool{},
	}
}

// problem records a problem at node n (no position when n is nil).
func (w *walker) problem(n *yaml.Node, field, value, expected string) {
	p := Problem{File: w.file, Field: field, Value: value, Expected: expected}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	w.problems = append(w.problems, p)
}

// wrongType records that the value of field, n, has the wrong shape.
func (w *walker) wrongType(n *yaml.Node, field, expected string) {
	w.bad[field] = true
	w.problem(n, field, render(n), expected)
}

// mapping reads mapping n: each key must be one of fields, and is read by
// its reader. null reads as an empty mapping.
func (w *walker) mapping(n *yaml.Node, path, expected string, fields []field) {
	for _, e := range w.entries(n, path, expected, func(name string) string { return join(path, name) }) {
		if !w.visit(e.key) {
			return
		}
		child := join(path, e.name)
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == e.name })
		if i < 0 {
			w.unknown(e.key, child, fields)
			continue
		}
		w.nodes[child], w.keys[child] = e.value, e.key
		fields[i].read(e.value, child)
	}
}

// stringMap reads a mapping of strings to strings (labels, headers) into
// dst. Each entry's path is path["name"].
func (w *walker) stringMap(dst *map[string]string, valueExpected string) reader {
	return func(n *yaml.Node, path string) {
		child := func(name string) string { return path + "[" + strconv.Quote(name) + "]" }
		for _, e := range w.entries(n, path, "a mapping of names to strings", child) {
			if !w.visit(e.key) {
				return
			}
			p := child(e.name)
			w.nodes[p], w.keys[p] = e.value, e.key
			if k := resolve(e.key); k.ShortTag() != "!!str" {
				w.wrongType(e.key, p, fmt.Sprintf("a string name (quote it: %q)", k.Value))
				continue
			}
			var v string
			w.str(&v, valueExpected)(e.value, p)
			if !w.bad[p] {
				if *dst == nil {
					*dst = map[string]string{}
				}
				(*dst)[e.name] = v
			}
		}
	}
}

// entries returns the key/value pairs of mapping n, with "<<" merges
// resolved (keys written in place win over merged ones). Duplicate keys
// and keys that are not scalars are problems; child names the path of a
// key for them.
func (w *walker) entries(n *yaml.Node, path, expected string, child func(string) string) []entry {
	m := resolve(n)
	if isNull(m) {
		return nil
	}
	if m == nil || m.Kind != yaml.MappingNode {
		w.wrongType(n, path, expected)
		return nil
	}
	c := collector{w: w, path: path, child: child, seen: map[string]*yaml.Node{}, merged: map[*yaml.Node]bool{m: true}}
	c.collect(m, true)
	return c.out
}

// collector gathers the entries of one mapping and of the mappings merged
// into it.
type collector struct {
	w     *walker
	path  string
	child func(string) string
	seen  map[string]*yaml.Node // key name → first key node
	// merged holds the mappings already collected: each is read once, so
	// merges that loop or repeat cost nothing.
	merged map[*yaml.Node]bool
	out    []entry
}

// collect appends the entries of mapping m whose keys are not yet seen.
// Duplicates are problems only in the mapping as written (top).
func (c *collector) collect(m *yaml.Node, top bool) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		rk := resolve(k)
		switch {
		case rk != nil && rk.Kind == yaml.ScalarNode && rk.ShortTag() == "!!merge":
			merges = append(merges, v)
			continue
		case rk == nil || rk.Kind != yaml.ScalarNode:
			if top {
				c.w.problem(k, c.path, render(k)+" as a key", "a field name")
			}
			continue
		}
		if first, dup := c.seen[rk.Value]; dup {
			if top {
				c.w.problem(k, c.child(rk.Value), "a duplicate key",
					fmt.Sprintf("each key once (first at line %d)", first.Line))
			}
			continue
		}
		c.seen[rk.Value] = k
		c.out = append(c.out, entry{name: rk.Value, key: k, value: v})
	}
	for _, v := range merges {
		maps := mergeSources(v)
		if maps == nil {
			if top {
				c.w.problem(v, c.path, render(v)+" to merge", "a mapping or a list of mappings to merge with <<")
			}
			continue
		}
		for _, mm := range maps {
			if !c.merged[mm] {
				c.merged[mm] = true
				c.collect(mm, false)
			}
		}
	}
}

// mergeSources returns the mappings a "<<" value stands for: one mapping or
// a list of them. It returns nil for anything else.
func mergeSources(v *yaml.Node) []*yaml.Node {
	src := resolve(v)
	switch {
	case src != nil && src.Kind == yaml.MappingNode:
		return []*yaml.Node{src}
	case src != nil && src.Kind == yaml.SequenceNode && len(src.Content) > 0:
		maps := make([]*yaml.Node, 0, len(src.Content))
		for _, it := range src.Content {
			m := resolve(it)
			if m == nil || m.Kind != yaml.MappingNode {
				return nil
			}
			maps = append(maps, m)
		}
		return maps
	}
	return nil
}

// unknown records an unknown field, suggesting the known one it is closest
// to.
func (w *walker) unknown(key *yaml.Node, path string, fields []field) {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	exp := "one of " + strings.Join(names, ", ")
	if s := suggest(resolve(key).Value, names); s != "" {
		exp += " (did you mean " + s + "?)"
	}
	w.problem(key, path, "an unknown field", exp)
}

// list reads sequence n, calling item for each element with its path
// (path[i]). null reads as an empty list.
func (w *walker) list(n *yaml.Node, path, expected string, item reader) {
	s := resolve(n)
	if isNull(s) {
		return
	}
	if s == nil || s.Kind != yaml.SequenceNode {
		w.wrongType(n, path, expected)
		return
	}
	for i, it := range s.Content {
		if !w.visit(it) {
			return
		}
		p := fmt.Sprintf("%s[%d]", path, i)
		w.nodes[p] = it
		item(it, p)
	}
}

// maxAliasHops bounds alias chains.
const maxAliasHops = 8

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasHops; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// join appends a field name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// parent returns the path of the field that holds the one at path: "load"
// for "load.rate", "meshes" for "meshes[1]", and "" at the top.
func parent(path string) string {
	if strings.HasSuffix(path, `"]`) {
		return path[:strings.LastIndex(path, `["`)]
	}
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndex(path, "[")]
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}
