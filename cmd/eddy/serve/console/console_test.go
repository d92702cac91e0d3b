package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// fakeAPI stands for the server's handler: it answers with the path and
// the Authorization header it was reached with.
var fakeAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "auth": r.Header.Get("Authorization"), "cookie": r.Header.Get("Cookie")})
})

// login logs in to h with token and returns the cookie and CSRF token.
func login(t *testing.T, h http.Handler, token string) (*http.Cookie, string, int) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/console/login", strings.NewReader(`{"token":"`+token+`"}`)))
	var out struct{ CSRF string }
	json.NewDecoder(w.Body).Decode(&out)
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return c, out.CSRF, w.Code
		}
	}
	return nil, "", w.Code
}

func TestConsoleSession(t *testing.T) {
	t.Parallel()
	const token = "secret-token"
	h := Handler(fakeAPI, Options{Token: token})
	if _, _, code := login(t, h, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("login with a wrong token = %d, want 401", code)
	}
	cookie, csrf, code := login(t, h, token)
	if code != http.StatusOK || cookie == nil || csrf == "" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login = %d, cookie %+v, csrf %q", code, cookie, csrf)
	}
	cases := []struct {
		name, method, path string
		cookie             bool
		csrf               string
		want               int
		wantPath           string
	}{
		{"page without a session", "GET", "/console/", false, "", 200, ""},
		{"root redirects to the console", "GET", "/", false, "", 302, ""},
		{"api without a session", "GET", "/console/api/v1/applications", false, "", 401, ""},
		{"api read with a session", "GET", "/console/api/v1/applications", true, "", 200, "/v1/applications"},
		{"metrics with a session", "GET", "/console/api/metrics", true, "", 200, "/metrics"},
		{"change without CSRF", "POST", "/console/api/v1/applications/a/stop", true, "", 403, ""},
		{"change with a wrong CSRF", "POST", "/console/api/v1/applications/a/stop", true, "nope", 403, ""},
		{"change with CSRF", "POST", "/console/api/v1/applications/a/stop", true, "ok", 200, "/v1/applications/a/stop"},
		{"discover without CSRF", "POST", "/console/api/v1/discover", true, "", 403, ""},
		{"discover with CSRF", "POST", "/console/api/v1/discover", true, "ok", 200, "/v1/discover"},
		{"connectors with a session", "GET", "/console/api/v1/connectors", true, "", 200, "/v1/connectors"},
		{"only the API is reachable", "GET", "/console/api/healthz", true, "", 404, ""},
		{"other paths go to the API unchanged", "GET", "/v1/applications", false, "", 200, "/v1/applications"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
			if tc.cookie {
				r.AddCookie(cookie)
			}
			switch tc.csrf {
			case "ok":
				r.Header.Set("X-CSRF-Token", csrf)
			case "":
			default:
				r.Header.Set("X-CSRF-Token", tc.csrf)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("%s %s = %d, want %d: %s", tc.method, tc.path, w.Code, tc.want, w.Body)
			}
			if tc.wantPath == "" {
				return
			}
			var got map[string]string
			json.NewDecoder(w.Body).Decode(&got)
			if got["path"] != tc.wantPath {
				t.Errorf("reached %q, want %q", got["path"], tc.wantPath)
			}
			if strings.HasPrefix(tc.path, "/console/") && (got["auth"] != "Bearer "+token || got["cookie"] != "") {
				t.Errorf("forwarded with Authorization %q and Cookie %q, want the token and no cookie", got["auth"], got["cookie"])
			}
		})
	}
}

func TestConsoleAssetsAreEmbedded(t *testing.T) {
	t.Parallel()
	h := Handler(fakeAPI, Options{})
	for _, p := range []string{"/console/", "/console/app.js", "/console/style.css"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
			if w.Code != 200 || w.Body.Len() < 500 {
				t.Fatalf("GET %s = %d, %d bytes", p, w.Code, w.Body.Len())
			}
			// Nothing is fetched from elsewhere (the SVG namespace is a name).
			body := strings.ReplaceAll(w.Body.String(), "'http://www.w3.org/2000/svg'", "")
			if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
				t.Errorf("%s refers to another site", p)
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
}

// fakeLive taps nothing but knows one stream, and sends one row.
type fakeLive struct{}

func (fakeLive) TapStreams(app string) ([]serve.TapStream, error) {
	if app != "a" {
		return nil, errors.New("serve: application not found")
	}
	return []serve.TapStream{{Name: "S", Kind: "source"}}, nil
}

func (fakeLive) Tap(app, stream string, rate, buffer int) (*serve.Tap, error) {
	return nil, serve.ErrNoStream
}

func (fakeLive) Graph(app string) (serve.Graph, bool, error) {
	return serve.Graph{Sources: []string{"S"}}, app == "a", nil
}

func TestConsoleLiveAndGraphNeedASession(t *testing.T) {
	t.Parallel()
	h := Handler(fakeAPI, Options{Token: "tok", Live: fakeLive{}})
	cookie, _, _ := login(t, h, "tok")
	cases := []struct {
		name, path string
		cookie     bool
		want       int
		body       string
	}{
		{"streams without a session", "/console/live/a", false, 401, ""},
		{"streams", "/console/live/a", true, 200, `"name":"S"`},
		{"streams of no application", "/console/live/b", true, 404, ""},
		{"a stream that cannot be", "/console/live/a/x-y", true, 404, ""},
		{"rows without a session", "/console/live/a/S", false, 401, ""},
		{"graph without a session", "/console/graph/a", false, 401, ""},
		{"graph", "/console/graph/a", true, 200, `"sources":["S"]`},
		{"graph before a start", "/console/graph/b", true, 404, "not started"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tc.path, nil)
			if tc.cookie {
				r.AddCookie(cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.body) {
				t.Fatalf("GET %s = %d %s, want %d with %q", tc.path, w.Code, w.Body, tc.want, tc.body)
			}
		})
	}
}
