package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/sql"
)

// TestEditorKnowsEddyKeywords: the editor's dialect (editor/src/editor.js)
// highlights every word of Eddy's dialect as a keyword, type or function.
func TestEditorKnowsEddyKeywords(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("editor/src/editor.js")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"true": true, "false": true, "null": true} // lang-sql's own
	for _, m := range regexp.MustCompile("(?s)const (keywords|types|builtin) = `([^`]*)`").FindAllSubmatch(src, -1) {
		for _, w := range strings.Fields(string(m[2])) {
			known[w] = true
		}
	}
	if len(known) < 100 {
		t.Fatalf("found %d words in editor.js's dialect; did its lists move?", len(known))
	}
	for _, k := range sql.Keywords() {
		if !known[strings.ToLower(k)] {
			t.Errorf("the editor's dialect lacks %s (sql.Keywords)", k)
		}
	}
}

// TestEditorBundleServed: the page loads the embedded bundle before app.js,
// and the bundle carries its license notice.
func TestEditorBundleServed(t *testing.T) {
	t.Parallel()
	h := Handler(fakeAPI, Options{})
	get := func(path string) (int, string, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		b, _ := io.ReadAll(w.Body)
		return w.Code, w.Header().Get("Content-Type"), string(b)
	}
	_, _, page := get("/console/")
	if e, a := strings.Index(page, `<script src="editor.js"`), strings.Index(page, `<script src="app.js"`); e < 0 || a < 0 || e > a {
		t.Errorf("index.html loads editor.js at %d and app.js at %d; want editor.js first", e, a)
	}
	code, ctype, js := get("/console/editor.js")
	if code != http.StatusOK || !strings.Contains(ctype, "javascript") || !strings.HasPrefix(js, "/*! Eddy console SQL editor") || !strings.Contains(js, "EddyEditor") {
		t.Errorf("editor.js: %d %q, %d bytes starting %.60q", code, ctype, len(js), js)
	}
	code, _, lic := get("/console/editor.LICENSES.txt")
	if code != http.StatusOK || !strings.Contains(lic, "==== @codemirror/view ====") || !strings.Contains(lic, "Permission is hereby granted") {
		t.Errorf("editor.LICENSES.txt: %d, %d bytes", code, len(lic))
	}
}
