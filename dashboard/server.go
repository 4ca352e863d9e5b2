// Package dashboard is smp serve: a web UI over the results store. Its
// pages are drawn on the server with the HTML report's own tables and
// charts (package render), so a run looks the same here as in its HTML
// report: the runs table (filter, search), one run, an overlay of several,
// a trend per test with its change points, and a live page that follows a
// running test's feed (package live) over server-sent events. The JSON API
// under /api serves the same data; downloads give a run as an smp report,
// an SMP document or a Fortio result.
//
// Everything the pages need is embedded: no CDN, no network. The only
// script is the live page's, which swaps in the charts the server redraws
// every second.
package dashboard

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/live"
	"github.com/smp-dev/smp/store"
)

//go:embed assets
var assets embed.FS

// Options configure a Server.
type Options struct {
	// Store holds the runs shown; the Server does not close it.
	Store store.Store
	// LiveDir is the live feeds' directory ("" = no live page).
	LiveDir string
	// Token, when set, is required on every request: an
	// "Authorization: Bearer TOKEN" header, or ?token=TOKEN once (which
	// sets a cookie for the pages that follow).
	Token string
	// AllowDelete lets the UI and API delete runs; read-only otherwise.
	AllowDelete bool
	// Poll is how often a live page's feed is read (default 250ms).
	Poll time.Duration
	// Now is the clock of "since 7d" filters (default time.Now).
	Now func() time.Time
}

// Server is the dashboard's http.Handler.
type Server struct {
	o   Options
	mux *http.ServeMux
	// heads caches what the runs table shows of a run that the store's
	// index does not hold (MeshMark, SLO verdict): a report never changes
	// under its ID, so an entry never goes stale.
	mu    sync.Mutex
	heads map[string]runHead
}

// maxQuery bounds a request's query string and form: the UI's are short.
const maxQuery = 4096

// New returns a dashboard over o.Store.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("dashboard: no store")
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, mux: http.NewServeMux(), heads: map[string]runHead{}}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.runsPage)
	s.mux.HandleFunc("GET /run/{id}", s.runPage)
	s.mux.HandleFunc("POST /run/{id}/delete", s.deleteForm)
	s.mux.HandleFunc("GET /compare", s.comparePage)
	s.mux.HandleFunc("GET /trend", s.trendPage)
	s.mux.HandleFunc("GET /live", s.livePage)
	s.mux.HandleFunc("GET /live/{key}", s.liveRunPage)
	s.mux.HandleFunc("GET /api/runs", s.apiRuns)
	s.mux.HandleFunc("GET /api/runs/{id}", s.apiRun)
	s.mux.HandleFunc("DELETE /api/runs/{id}", s.apiDelete)
	s.mux.HandleFunc("GET /api/runs/{id}/export", s.export)
	s.mux.HandleFunc("GET /api/live", s.apiLive)
	s.mux.HandleFunc("GET /api/live/{key}/events", s.liveEvents)
	return s, nil
}

// ServeHTTP checks the token and the request's size, sets the security
// headers, and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if len(r.URL.RawQuery) > maxQuery || len(r.URL.Path) > maxQuery {
		s.fail(w, r, http.StatusRequestURITooLong, fmt.Errorf("request of %d bytes: expected at most %d", len(r.URL.RawQuery)+len(r.URL.Path), maxQuery))
		return
	}
	if !s.authorized(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxQuery)
	s.mux.ServeHTTP(w, r)
}

const tokenCookie = "smp_token"

// authorized lets a request through when no token is set or it carries
// the token; a ?token= that matches sets the cookie and redirects to the
// same URL without it (so the token leaves the address bar and history).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.o.Token == "" {
		return true
	}
	match := func(v string) bool { return subtle.ConstantTimeCompare([]byte(v), []byte(s.o.Token)) == 1 }
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && match(v) {
		return true
	}
	if c, err := r.Cookie(tokenCookie); err == nil && match(c.Value) {
		return true
	}
	if q := r.URL.Query(); q.Has("token") && match(q.Get("token")) {
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.o.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		q.Del("token")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return false
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="smp"`)
	s.fail(w, r, http.StatusUnauthorized, errors.New("a token is required: open the URL smp serve printed (it carries ?token=), or send Authorization: Bearer TOKEN"))
	return false
}

// fail answers an error: JSON for /api, a page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, code, map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = pages.ExecuteTemplate(w, "error.html", errorPage{Title: http.StatusText(code), Code: code, Message: err.Error()})
}

// failStore answers a store error with its status: a bad or ambiguous id
// is the client's (400), an unknown one 404, the rest 500.
func (s *Server) failStore(w http.ResponseWriter, r *http.Request, err error) {
	var bad *store.BadIDError
	var amb *store.AmbiguousError
	switch {
	case errors.As(err, &bad), errors.As(err, &amb):
		s.fail(w, r, http.StatusBadRequest, err)
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, err)
	case errors.Is(err, live.ErrBadKey):
		s.fail(w, r, http.StatusBadRequest, err)
	case errors.Is(err, context.Canceled):
		// The client went away.
	default:
		s.fail(w, r, http.StatusInternalServerError, err)
	}
}

// get resolves an id (or prefix) and returns the run's report.
func (s *Server) get(ctx context.Context, id string) (string, *report.Report, error) {
	full, err := store.Resolve(ctx, s.o.Store, id)
	if err != nil {
		return "", nil, err
	}
	rep, err := s.o.Store.Get(ctx, full)
	return full, rep, err
}
