package console

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The SQL editor, static/editor.js, is CodeMirror 6 bundled from editor/
// (a module of its own, see editor/build.go); the bundle is committed, so
// that building Eddy never needs npm. `go generate` (or `make console`)
// rebuilds it after a change to editor/.
//go:generate sh -c "cd editor && npm ci --no-audit --no-fund && go run ."

//go:embed static
var static embed.FS

// Prefix is the path the console is served under.
const Prefix = "/console/"

// cookieName is the session cookie.
const cookieName = "eddy_console"

// sessionTTL is how long a session lives after its login.
const sessionTTL = 12 * time.Hour

// Options configure the console.
type Options struct {
	// Token is the server's token; "" means the server takes requests
	// without one, and so does the console.
	Token string
	// Clock is the wall clock; nil means time.Now.
	Clock func() time.Time
	// Live, when set, gives the live view of streams (eddy serve passes
	// its *serve.Manager).
	Live Live
	// LiveRate is the most rows per second a live view samples
	// (serve.DefaultTapRate when 0); LiveBuffer is how many sampled rows
	// wait for a slow page before new ones are dropped
	// (serve.DefaultTapBuffer when 0).
	LiveRate, LiveBuffer int
}

// Console serves the pages and forwards the page's API calls to the
// server's handler with the token. It is safe for concurrent use.
type Console struct {
	api    http.Handler
	opts   Options
	assets http.Handler
	// closing is closed by Close: live views end.
	closing   chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	sessions map[string]session // by cookie value
}

type session struct {
	csrf    string
	expires time.Time
}

// Handler returns api wrapped with the console: GET / redirects to
// /console/, the console's pages and its session endpoints live under
// /console/, and /console/api/PATH reaches api's /PATH for a logged-in
// session (with a CSRF token on every request that changes something).
// Every other request goes to api unchanged. Call Close when the server
// shuts down (http.Server.RegisterOnShutdown), so that open live views do
// not hold the shutdown up.
func Handler(api http.Handler, opts Options) *Console {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("console: embedded assets: " + err.Error()) // programmer error: the embed pattern
	}
	return &Console{api: api, opts: opts, assets: http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(sub)),
		sessions: map[string]session{}, closing: make(chan struct{})}
}

// Close ends every live view, now and to come; it may be called twice.
func (c *Console) Close() { c.closeOnce.Do(func() { close(c.closing) }) }

// ServeHTTP routes a request.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/" && r.Method == http.MethodGet && r.Header.Get("X-Amz-Target") == "":
		http.Redirect(w, r, Prefix, http.StatusFound)
	case p == "/console":
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
	case p == Prefix+"login" && r.Method == http.MethodPost:
		c.login(w, r)
	case p == Prefix+"logout" && r.Method == http.MethodPost:
		c.logout(w, r)
	case p == Prefix+"session" && r.Method == http.MethodGet:
		s, ok := c.session(r)
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized", "message": "log in with the server's token"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"csrf": s.csrf, "auth": c.opts.Token != ""})
	case strings.HasPrefix(p, Prefix+"graph/") && r.Method == http.MethodGet:
		c.graph(w, r)
	case strings.HasPrefix(p, Prefix+"live/") && r.Method == http.MethodGet:
		c.live(w, r)
	case strings.HasPrefix(p, Prefix+"api/"):
		c.forward(w, r)
	case strings.HasPrefix(p, Prefix):
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		c.assets.ServeHTTP(w, r)
	default:
		c.api.ServeHTTP(w, r)
	}
}

// login checks the token and starts a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "SerializationException", "message": "console: login: " + err.Error()})
		return
	}
	if c.opts.Token != "" && subtle.ConstantTimeCompare([]byte(in.Token), []byte(c.opts.Token)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized", "message": "console: wrong token"})
		return
	}
	id, csrf := randomHex(), randomHex()
	now := c.opts.Clock()
	c.mu.Lock()
	for k, s := range c.sessions {
		if now.After(s.expires) {
			delete(c.sessions, k)
		}
	}
	c.sessions[id] = session{csrf: csrf, expires: now.Add(sessionTTL)}
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second)})
	writeJSON(w, http.StatusOK, map[string]any{"csrf": csrf, "auth": c.opts.Token != ""})
}

// logout ends the session.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(cookieName); err == nil {
		c.mu.Lock()
		delete(c.sessions, ck.Value)
		c.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]any{})
}

// session returns the request's session. Without a token every request
// has one (a fixed CSRF token is still required on changes, so that other
// sites cannot post to the console).
func (c *Console) session(r *http.Request) (session, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[ck.Value]
	if !ok || c.opts.Clock().After(s.expires) {
		return session{}, false
	}
	return s, true
}

// forward sends /console/api/PATH to the API's /PATH with the token.
func (c *Console) forward(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized", "message": "console: log in first"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		got := r.Header.Get("X-CSRF-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "Forbidden", "message": "console: missing or wrong CSRF token"})
			return
		}
	}
	rest := "/" + strings.TrimPrefix(r.URL.Path, Prefix+"api/")
	if rest != "/metrics" && rest != "/v1/applications" && !strings.HasPrefix(rest, "/v1/applications/") && rest != "/v1/discover" && rest != "/v1/connectors" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "NotFound", "message": "console: no such endpoint"})
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath, r2.RequestURI = rest, "", ""
	r2.Header.Del("Cookie")
	r2.Header.Del("X-Amz-Target")
	if c.opts.Token != "" {
		r2.Header.Set("Authorization", "Bearer "+c.opts.Token)
	} else {
		r2.Header.Del("Authorization")
	}
	c.api.ServeHTTP(w, r2)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomHex() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
