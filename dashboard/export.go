package dashboard

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/smp-dev/smp/internal/clip"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	smpformat "github.com/smp-dev/smp/report/format/smp"
)

// export downloads a run: format json (the smp report, default), smp
// (an SMP document) or fortio (a Fortio result of one scenario: scenario
// names it when the run has several).
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	id, rep, err := s.get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	var buf bytes.Buffer
	ext := "json"
	switch format {
	case "", "json":
		format = "report"
		err = report.Encode(&buf, rep)
	case "smp":
		err = smpformat.Write(&buf, smpformat.Export(rep))
	case "fortio":
		var res *fortio.Result
		if res, err = fortio.Export(rep, q.Get("scenario")); err != nil {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("scenario: %w", err))
			return
		}
		err = fortio.Write(&buf, res)
	default:
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("format %q: expected json, smp or fortio", clip.String(format, 32)))
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(testName(rep), shortID(id), format, ext)+`"`)
	_, _ = w.Write(buf.Bytes())
}

// unsafeName is every run of characters a download's name may not carry:
// only letters, digits, '.', '-' and '_' stay, so no test name can put a
// path, a quote or a header break into it.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// exportName is TEST-RUN-FORMAT.EXT with the test name made safe.
func exportName(test, id, format, ext string) string {
	t := strings.Trim(unsafeName.ReplaceAllString(test, "_"), "._-")
	if t == "" {
		t = "run"
	}
	if len(t) > 64 {
		t = t[:64]
	}
	return t + "-" + id + "-" + format + "." + ext
}
