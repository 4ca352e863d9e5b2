package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-11-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  buildVersion
	}{
		{"stamped", "v2.0.0", "def456", "2026-11-30T12:00:00Z", bi, buildVersion{"v2.0.0", "def456", "2026-11-30T12:00:00Z", false}},
		{"from build info", defaultVersion, "", "", bi, buildVersion{"v1.4.0", "abc123", "2026-11-01T10:00:00Z", true}},
		{"devel module", defaultVersion, "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, buildVersion{defaultVersion, "", "", false}},
		{"no build info", defaultVersion, "", "", nil, buildVersion{defaultVersion, "", "", false}},
	}
	for _, tt := range tests {
		if got := resolveVersion(tt.version, tt.commit, tt.date, tt.bi); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	out := buildVersion{Version: "v1.4.0", Commit: "abc123", Modified: true}.String()
	for _, want := range []string{"smp v1.4.0\n", "commit abc123 (modified)\n", "built  unknown\n", "go     go"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q lacks %q", out, want)
		}
	}
}
