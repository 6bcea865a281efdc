package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
)

type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("../../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var d openAPIDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %q", d.OpenAPI)
	}
	return d
}

// TestOpenAPIMatchesRoutes fails when a route the handlers serve is missing from the document
// or the document describes a route the handlers do not serve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range Routes() {
		served[r.Method+" "+r.Path] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("openapi.json out of step with the handlers: undocumented %v, not served %v", missing, extra)
	}

	// And the real mux answers every documented route (not the catch-all 404).
	h := New(Deps{Tenants: func(string) (string, bool) { return "t", true }}).Handler("")
	for k := range documented {
		method, path, _ := strings.Cut(k, " ")
		path = strings.ReplaceAll(path, "{id}", "00000000-0000-4000-8000-000000000000")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		if strings.Contains(rec.Body.String(), `"route_not_found"`) {
			t.Errorf("%s is documented but the handler has no route for it", k)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/nothing-here", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"route_not_found"`) {
		t.Fatalf("unknown route: %d %s", rec.Code, rec.Body.String())
	}
}
