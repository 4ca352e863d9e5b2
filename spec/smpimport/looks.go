package smpimport

import "go.yaml.in/yaml/v3"

// Looks reports whether data reads as an SMP PerformanceTestConfig rather
// than an smp spec: a YAML or JSON mapping without smp's apiVersion and
// kind, with at least one key only the SMP message has (clients,
// smp_version, endpoint_urls…). Anything else, including what does not
// parse, is left to the spec parser and its errors.
func Looks(data []byte) bool {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil || top == nil {
		return false
	}
	if _, ok := top["apiVersion"]; ok {
		return false
	}
	if _, ok := top["kind"]; ok {
		return false
	}
	for _, k := range []string{"clients", "smp_version", "smpVersion"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}
