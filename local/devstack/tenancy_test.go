package devstack_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/unicogw/gateway/shared/httpapi"
)

// isolationBodies holds a valid body for the routes under /v1/processes/{id} that need one, so
// that the tenant check, not the body's validation, is what answers. A route added to
// shared/httpapi.Routes (an artefact, PUT document, notifications replay) is covered by
// TestTenantIsolation automatically; if it needs a body, add it here.
var isolationBodies = map[string]string{
	"POST /v1/processes/{id}/redact":        `{}`,
	"PUT /v1/processes/{id}/document":       `{"duiType":"DUI_TYPE_BR_CPF","duiValue":"73689290074"}`,
	"POST /v1/processes/{id}/notifications": `{}`,
	"POST /v1/processes/{id}/review":        `{"outcome":"approved","reason":"isolation check","reviewer":"op-1"}`,
}

// processRoutes are the routes that address one process (they carry {id} and need an API key).
func processRoutes() []httpapi.Route {
	var out []httpapi.Route
	for _, r := range httpapi.Routes() {
		if r.APIKey && strings.Contains(r.Path, "{id}") {
			out = append(out, r)
		}
	}
	return out
}

func routePath(r httpapi.Route, id string) string {
	p := strings.ReplaceAll(r.Path, "{id}", id)
	return strings.ReplaceAll(p, "{documentId}", "00000000-0000-4000-8000-00000000d0c1")
}

// TestTenantIsolation (Done means 1): with two tenants' API keys on one local API, tenant A can
// neither read, list, page into, redact nor reach through any other per-process route (the
// artefacts, setting a document, replaying notifications: every {id} route of the route table)
// tenant B's verifications, and the other way round. Each such request is the same 404 an
// unknown id gets, changes nothing, and never reaches Unico.
func TestTenantIsolation(t *testing.T) {
	s, _ := startStack(t)
	api := client{t, s.APIURL}
	keys := map[string]string{"demo": s.Tenants[0].APIKey, "other": s.Tenants[1].APIKey}
	ref := "tenancy-" + newCPF(t)[:6] // one client reference for both tenants' processes
	ids := map[string][]string{}
	for tenant, key := range keys {
		for i := 0; i < 2; i++ {
			ids[tenant] = append(ids[tenant], createFor(t, api, key, ref+"-"+tenant+string(rune('a'+i)), newCPF(t), "Pessoa Tenancy", ref))
		}
	}
	routes := processRoutes()
	if len(routes) < 2 {
		t.Fatalf("the route table has %d per-process routes: %v", len(routes), routes)
	}
	const unknown = "0e9f4c1a-3b7d-4c2e-9a51-7f3d2b1c0e99"

	for tenant, key := range keys {
		victim := "other"
		if tenant == "other" {
			victim = "demo"
		}
		victimID := ids[victim][0]

		// Every per-process route: 404 process_not_found, the same answer as an unknown id, and
		// no call to Unico.
		calls := unicoCalls(s)
		for _, r := range routes {
			body := isolationBodies[r.Method+" "+r.Path]
			// A fresh Idempotency-Key per request (the routes that require one, such as the
			// review, check it before the process).
			status, _, res := api.do(r.Method, routePath(r, victimID), key, idemKey("iso"), body)
			uStatus, _, uRes := api.do(r.Method, routePath(r, unknown), key, idemKey("iso"), body)
			if status != http.StatusNotFound || get(res, "error", "code") != "process_not_found" {
				t.Errorf("%s as %s on %s's process: %d %v (want 404 process_not_found; a route that needs a body gets one in isolationBodies)",
					r.Method+" "+r.Path, tenant, victim, status, res)
			}
			if status != uStatus || get(res, "error", "code") != get(uRes, "error", "code") || get(res, "error", "message") != get(uRes, "error", "message") {
				t.Errorf("%s: another tenant's process (%d %v) is distinguishable from an unknown id (%d %v)", r.Path, status, res, uStatus, uRes)
			}
		}
		if n := unicoCalls(s) - calls; n != 0 {
			t.Errorf("%s's requests for %s's process made %d calls to Unico", tenant, victim, n)
		}

		// List: the shared client reference finds only the caller's own processes, and the
		// unfiltered list has none of the victim's.
		got := listIDs(t, api, key, "&clientReference="+ref)
		if len(got) != 2 || got[ids[tenant][0]] == nil || got[ids[tenant][1]] == nil {
			t.Errorf("%s's list by client reference: %v, want exactly its own %v", tenant, keysOf(got), ids[tenant])
		}
		all := listIDs(t, api, key, "")
		for _, id := range ids[victim] {
			if all[id] != nil {
				t.Errorf("%s's list shows %s's process %s", tenant, victim, id)
			}
		}

		// A cursor is bound to its tenant: the victim's cursor does not page into its list.
		status, _, page := api.do("GET", "/v1/processes?limit=1&clientReference="+ref, keys[victim], nil, nil)
		cursor, _ := page["nextCursor"].(string)
		if status != http.StatusOK || cursor == "" {
			t.Fatalf("%s's first page: %d %v", victim, status, page)
		}
		if status, _, res := api.do("GET", "/v1/processes?limit=1&cursor="+cursor, key, nil, nil); status != http.StatusBadRequest || get(res, "error", "code") != "invalid_cursor" {
			t.Errorf("%s with %s's cursor: %d %v", tenant, victim, status, res)
		}
	}

	// Nothing the other tenant tried changed anything: each owner still reads its process
	// with its personal data (the redaction was refused).
	for tenant, key := range keys {
		for _, id := range ids[tenant] {
			status, _, res := api.do("GET", "/v1/processes/"+id, key, nil, nil)
			if status != http.StatusOK || res["redacted"] != nil || res["cpfMasked"] == nil || res["clientReference"] != ref {
				t.Errorf("%s's own process %s after the other tenant's attempts: %d %v", tenant, id, status, res)
			}
		}
	}
}

// TestProcessIDValidated: on every per-process route a value that is not a UUID is a 404
// before any store or Unico call, whatever it holds (a CPF, a path trick, markup), and the
// answer repeats none of it.
func TestProcessIDValidated(t *testing.T) {
	s, _ := startStack(t)
	api := client{t, s.APIURL}
	key := s.Tenants[0].APIKey
	id := createFor(t, api, key, "pathid-1", newCPF(t), "Pessoa Pathid", "pathid-"+newCPF(t)[:6])
	cpf := newCPF(t)
	suiteLogs.Plant(cpf)
	bad := []string{
		cpf, strings.ToUpper(id) + "0", id[:35], "P%23" + id, "%3Cscript%3Ealert(1)%3C%3Escript%3E",
		strings.ReplaceAll(id, "-", ""), "%20" + id[1:], "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "%00" + id[1:],
	}
	// With an encoded slash the path has another shape: no route matches (API Gateway's own 403,
	// or the function's 404 route_not_found), which is as good.
	slashed := []string{"..%2F" + id, "%3Cscript%3E%2F" + cpf}
	calls := unicoCalls(s)
	for _, r := range processRoutes() {
		for _, v := range append(bad, slashed...) {
			status, _, res := api.do(r.Method, routePath(r, v), key, nil, isolationBodies[r.Method+" "+r.Path])
			code := get(res, "error", "code")
			if strings.Contains(v, "%2F") {
				if status != http.StatusNotFound && status != http.StatusForbidden {
					t.Errorf("%s with id %q: %d %v", r.Path, v, status, res)
				}
			} else if status != http.StatusNotFound || code != "process_not_found" {
				t.Errorf("%s with id %q: %d %v", r.Path, v, status, res)
			}
			msg, _ := get(res, "error", "message").(string)
			if strings.Contains(msg, cpf) || strings.Contains(msg, "script") || strings.Contains(msg, id) {
				t.Errorf("%s: the answer repeats the id: %q", r.Path, msg)
			}
		}
	}
	if n := unicoCalls(s) - calls; n != 0 {
		t.Errorf("malformed ids made %d calls to Unico", n)
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
