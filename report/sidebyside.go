package report

import "strings"

// SideBySide lays the scenarios compared by CompareReports side by side in
// one report for the renderers: base's scenarios prefixed "base:", then
// other's, with cs as the report's comparisons (their baselines renamed to
// match) and a warning naming the two runs (and their machines' difference,
// if any).
func SideBySide(base, other *Report, cs []Comparison) *Report {
	out := &Report{SchemaVersion: SchemaVersion, Test: other.Test, Environment: other.Environment,
		StartTime: other.StartTime, Tool: other.Tool}
	added := map[string]bool{}
	add := func(r *Report, name, as string) {
		if added[as] {
			return
		}
		for _, sc := range r.Scenarios {
			if sc.Name == name {
				sc.Name = as
				out.Scenarios = append(out.Scenarios, sc)
				added[as] = true
				return
			}
		}
	}
	for _, c := range cs {
		add(base, c.Baseline, "base:"+c.Baseline)
	}
	for _, c := range cs {
		add(other, c.Scenario, c.Scenario)
		c.Baseline = "base:" + c.Baseline
		out.Comparisons = append(out.Comparisons, c)
	}
	out.Warnings = append(out.Warnings, "compared: "+strings.Join([]string{basePathName(base), basePathName(other)}, " vs "))
	if w := FingerprintWarning(base, other); w != "" {
		out.Warnings = append(out.Warnings, w)
	}
	return out
}

func basePathName(r *Report) string {
	if r.Test != nil && r.Test.Metadata.Name != "" {
		return r.Test.Metadata.Name + " at " + r.StartTime.UTC().Format("2006-01-02 15:04:05Z")
	}
	return r.StartTime.UTC().Format("2006-01-02 15:04:05Z")
}
