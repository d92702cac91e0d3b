package serve

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/eddy-sql/eddy/planner"
)

// Submission is an application as Eddy's API takes it (POST
// /v1/applications): SQL code, bindings of its streams and tables to
// connectors (the keys of a WITH clause, connector included), settings
// (SET), and where to start (NOW, TRIM_HORIZON, LAST_STOPPED_POINT; ""
// creates without starting). An existing application of the same name is
// replaced (stopped, updated, restarted) when Replace is set.
type Submission struct {
	Name       string                       `json:"name"`
	Code       string                       `json:"code"`
	Inputs     map[string]map[string]string `json:"inputs,omitempty"`
	Outputs    map[string]map[string]string `json:"outputs,omitempty"`
	References map[string]map[string]string `json:"references,omitempty"`
	Settings   map[string]string            `json:"settings,omitempty"`
	Start      string                       `json:"start,omitempty"`
	Replace    bool                         `json:"replace,omitempty"`
}

// AppInfo is an application as Eddy's API describes it; secret option
// values show as planner.Redacted.
type AppInfo struct {
	Name      string `json:"name"`
	ARN       string `json:"arn"`
	Status    string `json:"status"`
	Version   int64  `json:"version"`
	Running   bool   `json:"running"`
	LastError string `json:"last_error,omitempty"`
	// Warning is the last checkpoint failure of the current run (a
	// destination that cannot deliver), while the job goes on.
	Warning    string                       `json:"warning,omitempty"`
	Code       string                       `json:"code,omitempty"`
	Inputs     map[string]map[string]string `json:"inputs,omitempty"`
	Outputs    map[string]map[string]string `json:"outputs,omitempty"`
	References map[string]map[string]string `json:"references,omitempty"`
	Settings   map[string]string            `json:"settings,omitempty"`
}

// infoOf describes c for Eddy's API, secrets redacted; full adds the code
// and bindings.
func infoOf(c *AppConfig, status string, full bool) AppInfo {
	info := AppInfo{Name: c.Name, ARN: c.ARN, Status: status, Version: c.Version, Running: c.Running, LastError: c.LastError}
	if !full {
		return info
	}
	info.Code = c.Code
	redactAll := func(g map[string]map[string]string) map[string]map[string]string {
		if len(g) == 0 {
			return nil
		}
		out := map[string]map[string]string{}
		for k, v := range g {
			out[k] = planner.RedactOptions(v)
		}
		return out
	}
	info.Inputs, info.Outputs, info.References = redactAll(c.InputBindings), redactAll(c.OutputBindings), redactAll(c.ReferenceBindings)
	if len(c.Settings) > 0 {
		info.Settings = planner.RedactOptions(c.Settings)
	}
	return info
}

// serveEddy answers Eddy's REST API under /v1/applications.
func (a *api) serveEddy(w http.ResponseWriter, r *http.Request, body []byte) {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1/applications"), "/")
	name, action, _ := strings.Cut(rest, "/")
	var out any
	var err error
	switch {
	case name == "" && r.Method == http.MethodGet:
		list := []AppInfo{}
		for _, app := range a.m.apps() {
			list = append(list, app.info(false))
		}
		out = list
	case name == "" && r.Method == http.MethodPost:
		out, err = a.submit(body)
	case action == "" && r.Method == http.MethodGet:
		out, err = a.info(name)
	case action == "" && r.Method == http.MethodDelete:
		err = a.m.Delete(name, nil)
		out = map[string]string{}
	case action == "start" && r.Method == http.MethodPost:
		var in struct {
			Position string `json:"position"`
		}
		if err = decode(body, &in); err == nil {
			if err = a.m.Start(name, strings.ToUpper(in.Position)); err == nil {
				out, err = a.info(name)
			}
		}
	case action == "stop" && r.Method == http.MethodPost:
		if err = a.m.Stop(name); err == nil {
			out, err = a.info(name)
		}
	case action == "logs" && r.Method == http.MethodGet:
		n, _ := strconv.Atoi(r.URL.Query().Get("rows"))
		if n <= 0 {
			n = 100
		}
		var app *application
		if app, err = a.m.get(name); err == nil {
			out = map[string]any{"rows": app.rows.last(n)}
		}
	case action == "history" && r.Method == http.MethodGet:
		out, err = a.m.History(name)
	case action == "reports" && r.Method == http.MethodGet:
		var list []ReportInfo
		if list, err = a.m.Reports(name); err == nil {
			out = map[string]any{"reports": list}
		}
	case strings.HasPrefix(action, "reports/"):
		a.serveReport(w, r, name, strings.TrimPrefix(action, "reports/"))
		return
	default:
		noEndpoint(w, r)
		return
	}
	writeResult(w, out, err)
}

// writeResult writes out as JSON, or err as the API error it is.
func writeResult(w http.ResponseWriter, out any, err error) {
	if err != nil {
		ae := asAPIError(err)
		writeJSONError(w, ae.status(), ae)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// noEndpoint answers a request for an endpoint there is not.
func noEndpoint(w http.ResponseWriter, r *http.Request) {
	writeJSONError(w, http.StatusNotFound, &apiError{Type: "NotFound", Message: r.Method + " " + r.URL.Path + ": no such endpoint"})
}

func writeJSONError(w http.ResponseWriter, status int, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": e.Type, "message": e.Message})
}

func (a *api) info(name string) (AppInfo, error) {
	app, err := a.m.get(name)
	if err != nil {
		return AppInfo{}, err
	}
	return app.info(true), nil
}

// submit creates (or replaces) and starts an application.
func (a *api) submit(body []byte) (any, error) {
	var s Submission
	if err := decode(body, &s); err != nil {
		return nil, err
	}
	s.Start = strings.ToUpper(s.Start)
	lower := func(g map[string]map[string]string) map[string]map[string]string {
		out := map[string]map[string]string{}
		for name, opts := range g {
			o := map[string]string{}
			for k, v := range opts {
				o[strings.ToLower(k)] = v
			}
			if o["connector"] == "" {
				return nil
			}
			out[name] = o
		}
		return out
	}
	ins, outs, refs := lower(s.Inputs), lower(s.Outputs), lower(s.References)
	if ins == nil || outs == nil || refs == nil {
		return nil, invalid("every binding needs a connector")
	}
	set := func(c *AppConfig) error {
		if err := keepAppSecrets(c, ins, outs, refs, s.Settings); err != nil { // secrets sent back redacted
			return err
		}
		c.Code, c.InputBindings, c.OutputBindings, c.ReferenceBindings, c.Settings = s.Code, ins, outs, refs, s.Settings
		return nil
	}
	c := &AppConfig{Name: s.Name}
	var err error = inUse("application %s exists", s.Name)
	if _, gerr := a.m.get(s.Name); gerr != nil || !s.Replace {
		if err = set(c); err == nil {
			err = a.m.Create(c)
		}
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.Type == errResourceInUse && s.Replace {
		app, gerr := a.m.get(s.Name)
		if gerr != nil {
			return nil, gerr
		}
		cur, status := app.snapshot()
		if status == StatusRunning || status == StatusStarting {
			if err := a.m.Stop(s.Name); err != nil {
				return nil, err
			}
			a.m.waitReady(app)
		}
		err = a.m.Update(s.Name, &cur.Version, set)
	}
	if err != nil {
		return nil, err
	}
	if s.Start != "" {
		if err := a.m.Start(s.Name, s.Start); err != nil {
			return nil, err
		}
	}
	return a.info(s.Name)
}

// serveReport answers POST /v1/applications/APP/reports/REPORT/run (a run
// now, in the background: 202) and GET …/reports/REPORT/runs/ID (the run's
// rendered file, served to be shown in a sandboxed frame).
func (a *api) serveReport(w http.ResponseWriter, r *http.Request, app, rest string) {
	parts := strings.Split(rest, "/")
	var err error
	switch {
	case len(parts) == 2 && parts[1] == "run" && r.Method == http.MethodPost:
		if err = a.m.RunReport(app, parts[0]); err == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			json.NewEncoder(w).Encode(map[string]any{"queued": true})
			return
		}
	case len(parts) == 3 && parts[1] == "runs" && r.Method == http.MethodGet:
		id, perr := strconv.ParseInt(parts[2], 10, 64)
		if perr != nil {
			err = invalid("run id %q: want a number", parts[2])
			break
		}
		var doc []byte
		var format string
		if doc, format, err = a.m.ReportOutput(app, parts[0], id); err == nil {
			h := w.Header()
			h.Set("Content-Type", contentTypes[format])
			// The report is shown in the console's frame: no script, no
			// request anywhere, only its inline styles and data images.
			h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cache-Control", "no-store")
			w.Write(doc)
			return
		}
	default:
		noEndpoint(w, r)
		return
	}
	ae := asAPIError(err)
	writeJSONError(w, ae.status(), ae)
}

// contentTypes are the media types of report formats.
var contentTypes = map[string]string{
	"html":     "text/html; charset=utf-8",
	"markdown": "text/markdown; charset=utf-8",
	"csv":      "text/csv; charset=utf-8",
	"json":     "application/json",
}
