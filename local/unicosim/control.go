package unicosim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Control API (no authentication; for curl and for tests in other processes):
//
//	POST   /__sim/processes/{id}/finish    optional body {"scenario":"rejected_identity"}; answers like GetProcess;
//	                                        {"loseWebhook":true} finishes without the webhook (FinishLosingWebhook)
//	POST   /__sim/processes/{id}/expire
//	POST   /__sim/processes/{id}/webhook   redeliver the webhook
//	PUT    /__sim/processes/{id}/raw       body = the exact bytes GetProcess must answer
//	DELETE /__sim/processes/{id}/raw
//	PUT    /__sim/client-processes/{id}/raw?status=410   body = the exact bytes GET /processes/v1|v2/{id}
//	                                        must answer, with that HTTP status (default 200)
//	DELETE /__sim/client-processes/{id}/raw
//	POST   /__sim/faults                   {"method":"POST","pathPrefix":"/oauth2/token","status":503,
//	                                        "body":"...","retryAfter":"2","delay":"2s","times":1}
//	DELETE /__sim/faults
//	GET    /__sim/stats
//	POST   /__sim/selfies                  -> {"selfie":"<jwt>"}
//	GET    /__sim/scenarios                -> the scenario table
//	GET    /__sim/files/{docId}/{name}     signed, expiring document files (signed_url, fileUrls)
//
// and the hosted-journey stand-in GET /journey/{id} (an HTML page with one button per scenario;
// POST /journey/{id} finishes the process and redirects to an http(s) callbackUri).

type controlError struct {
	Error string `json:"error"`
}

func (s *Simulator) controlRoutes() {
	m := s.mux
	m.HandleFunc("POST /__sim/processes/{id}/finish", s.ctlFinish)
	m.HandleFunc("POST /__sim/processes/{id}/expire", s.ctlExpire)
	m.HandleFunc("POST /__sim/processes/{id}/webhook", s.ctlWebhook)
	m.HandleFunc("PUT /__sim/processes/{id}/raw", s.ctlRaw)
	m.HandleFunc("DELETE /__sim/processes/{id}/raw", s.ctlRaw)
	m.HandleFunc("PUT /__sim/client-processes/{id}/raw", s.ctlRawClient)
	m.HandleFunc("DELETE /__sim/client-processes/{id}/raw", s.ctlRawClient)
	m.HandleFunc("POST /__sim/faults", s.ctlAddFault)
	m.HandleFunc("DELETE /__sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /__sim/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	m.HandleFunc("POST /__sim/selfies", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"selfie": s.NewSelfieJWT()})
	})
	m.HandleFunc("GET /__sim/scenarios", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, ScenarioTable()) })
	m.HandleFunc("GET /__sim/files/{docId}/{name}", s.ctlFile)
	m.HandleFunc("GET /journey/{id}", s.journeyPage)
	m.HandleFunc("POST /journey/{id}", s.journeyFinish)
}

func controlStatus(err error) int {
	switch {
	case errors.Is(err, ErrUnknownProcess):
		return http.StatusNotFound
	case errors.Is(err, ErrUnknownScenario):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFinishable), errors.Is(err, ErrNotFinished), errors.Is(err, ErrNoWebhookURL):
		return http.StatusConflict
	}
	return http.StatusBadGateway // webhook delivery failed
}

func (s *Simulator) ctlFinish(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Scenario    string `json:"scenario"`
		LoseWebhook bool   `json:"loseWebhook"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{"body must be {\"scenario\":\"...\"}"})
			return
		}
	}
	finish := func() error { return s.Finish(r.Context(), r.PathValue("id"), req.Scenario) }
	if req.LoseWebhook {
		finish = func() error { return s.FinishLosingWebhook(r.PathValue("id"), req.Scenario) }
	}
	if err := finish(); err != nil {
		writeJSON(w, controlStatus(err), controlError{err.Error()})
		return
	}
	s.writeProcessState(w, r)
}

func (s *Simulator) ctlExpire(w http.ResponseWriter, r *http.Request) {
	if err := s.Expire(r.Context(), r.PathValue("id")); err != nil {
		writeJSON(w, controlStatus(err), controlError{err.Error()})
		return
	}
	s.writeProcessState(w, r)
}

// writeProcessState answers the process as GetProcess (by Unico) or GET /processes/v1 (by Client) would.
func (s *Simulator) writeProcessState(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.processes[id]; p != nil {
		writeRawJSON(w, http.StatusOK, s.renderProcessLocked(p, baseURL(r)))
		return
	}
	if cp := s.clientProcs[id]; cp != nil {
		writeJSON(w, http.StatusOK, cp.answer)
		return
	}
	writeJSON(w, http.StatusNotFound, controlError{ErrUnknownProcess.Error()})
}

func (s *Simulator) ctlWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.DeliverWebhook(r.Context(), r.PathValue("id")); err != nil {
		writeJSON(w, controlStatus(err), controlError{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"delivered": true})
}

func (s *Simulator) ctlRaw(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		s.SetRawProcess(r.PathValue("id"), nil)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
		return
	}
	s.SetRawProcess(r.PathValue("id"), body)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) ctlRawClient(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		s.SetRawClientProcess(r.PathValue("id"), 0, nil)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status := http.StatusOK
	if v := r.URL.Query().Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 || n > 599 {
			writeJSON(w, http.StatusBadRequest, controlError{"status must be an HTTP status"})
			return
		}
		status = n
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
		return
	}
	s.SetRawClientProcess(r.PathValue("id"), status, body)
	w.WriteHeader(http.StatusNoContent)
}

// faultJSON is Fault on the wire: delay is a Go duration string ("250ms", "2s").
type faultJSON struct {
	Method     string `json:"method"`
	PathPrefix string `json:"pathPrefix"`
	Status     int    `json:"status"`
	Body       string `json:"body"`
	RetryAfter string `json:"retryAfter"`
	Delay      string `json:"delay"`
	Times      int    `json:"times"`
}

func (s *Simulator) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var fj faultJSON
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&fj); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{"invalid fault JSON: " + err.Error()})
		return
	}
	f := Fault{Method: fj.Method, PathPrefix: fj.PathPrefix, Status: fj.Status, Body: fj.Body, RetryAfter: fj.RetryAfter, Times: fj.Times}
	if fj.Delay != "" {
		d, err := time.ParseDuration(fj.Delay)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{"invalid delay: " + err.Error()})
			return
		}
		f.Delay = d
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		writeJSON(w, http.StatusBadRequest, controlError{"status must be 0 or an HTTP status"})
		return
	}
	s.InjectFault(f)
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(fj)
}

// ctlFile serves the signed, expiring URLs handed out in signed_url and fileUrls.
func (s *Simulator) ctlFile(w http.ResponseWriter, r *http.Request) {
	docID, name := r.PathValue("docId"), r.PathValue("name")
	exp, err := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
	if err != nil || !s.validSig(fmt.Sprintf("%s/%s/%d", docID, name, exp), r.URL.Query().Get("sig")) {
		http.Error(w, "AccessDenied: bad signature", http.StatusForbidden)
		return
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		http.Error(w, "AccessDenied: Request has expired", http.StatusForbidden)
		return
	}
	if strings.HasSuffix(name, ".pdf") {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(buildPDF([]string{"Unico IDCloud simulator - document " + docID, "Front", "Back"}))
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(selfieJPEG(false))
}

var journeyTmpl = template.Must(template.New("j").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Unico journey (simulated)</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>Unico IDCloud journey — simulated</h1>
<p>This is the Unico simulator (unicosim), not Unico. No camera, no biometrics: pick an outcome.</p>
<table>
<tr><td>Process</td><td><code>{{.ID}}</code></td></tr>
<tr><td>Flow</td><td>{{.Flow}}</td></tr>
<tr><td>State</td><td>{{.State}} {{.Result}}</td></tr>
</table>
{{if .Open}}<form method="post">
<p><button name="scenario" value="">Finish as the CPF chooses</button></p>
{{range .Scenarios}}<button name="scenario" value="{{.}}">{{.}}</button> {{end}}
</form>{{else}}<p>This process is no longer open.</p>{{end}}
</body></html>
`))

func (s *Simulator) journeyPage(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("id"))
	s.mu.Lock()
	p := s.processes[id]
	if p == nil {
		s.mu.Unlock()
		http.Error(w, "unknown process", http.StatusNotFound)
		return
	}
	expired := s.expireIfDueLocked(p)
	p.journeyVisited = true
	data := struct {
		ID, Flow, State, Result string
		Open                    bool
		Scenarios               []string
	}{p.id, p.fi.name, p.state, p.result, p.state == stCreated, nil}
	s.mu.Unlock()
	if expired {
		s.notifyAsync(id)
	}
	for _, d := range scenarioDefs {
		if d.Integration == byUnico {
			data.Scenarios = append(data.Scenarios, d.Name)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = journeyTmpl.Execute(w, data)
}

func (s *Simulator) journeyFinish(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("id"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Finish(ctx, id, r.FormValue("scenario")); err != nil {
		http.Error(w, err.Error(), controlStatus(err))
		return
	}
	cb := ""
	s.mu.Lock()
	if p := s.processes[id]; p != nil {
		cb = p.callbackURI
	}
	s.mu.Unlock()
	if u, err := url.Parse(cb); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		http.Redirect(w, r, cb, http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><p>Journey finished (simulated). Process <code>%s</code>.</p>", template.HTMLEscapeString(id))
}
