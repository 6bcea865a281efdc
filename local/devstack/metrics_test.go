package devstack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/metrics"
)

// TestMetricsFromTheFunctions drives the local stack through a hosted verification (create,
// Unico's webhook, the worker, reads, one of them meeting a 429 from Unico, one for an unknown
// id) and a by-Client create, and reads the functions' output as CloudWatch would: the embedded-
// metric-format records count requests by route and status class with their latency, Unico's
// calls by status class, decisions by outcome, and the webhook lag, all with the Stack dimension
// and at most one more from a fixed set; no record carries a CPF, a name, a selfie, a key or an id.
func TestMetricsFromTheFunctions(t *testing.T) {
	s, logs := startStackWith(t, refreshEveryRead)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cpf := unicosim.ScenarioCPF("approved")
	suiteLogs.Plant(cpf, personName)

	status, _, res := api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "metrics-1"}, createBody(cpf))
	id, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || id == "" {
		t.Fatalf("create: %d %v", status, res)
	}
	if err := s.Sim.Finish(ctx, id, ""); err != nil { // delivers the webhook
		t.Fatal(err)
	}
	if err := s.Async.Drain(ctx); err != nil { // the worker records the final state
		t.Fatal(err)
	}
	if status, _, res := api.do("GET", "/v1/processes/"+id, demo, nil, nil); status != 200 || get(res, "decision", "outcome") != "approved" {
		t.Fatalf("read: %d %v", status, res)
	}
	// A read of an open process asks Unico (every read, in this stack): Unico's 429 is
	// counted and the read answers the store.
	status, _, res = api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "metrics-open"}, createBody(cpf))
	openID, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, res)
	}
	s.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/client/v1/process/", Status: 429, RetryAfter: "1", Times: 1})
	if status, _, res := api.do("GET", "/v1/processes/"+openID, demo, nil, nil); status != 200 || get(res, "source") != "store" {
		t.Fatalf("read while Unico throttles: %d %v", status, res)
	}
	if status, _, _ := api.do("GET", "/v1/processes/00000000-0000-4000-8000-000000000000", demo, nil, nil); status != 404 {
		t.Fatalf("unknown id: %d", status)
	}
	clientCPF := unicosim.ScenarioCPF("yes")
	selfie := s.Sim.NewSelfieJWT()
	suiteLogs.Plant(clientCPF, clientName, selfie)
	status, _, res = api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "metrics-2"}, map[string]any{
		"integration": "by_client", "capability": "identity", "selfie": selfie,
		"person": map[string]any{"cpf": clientCPF, "name": clientName}})
	clientID, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || get(res, "process", "decision", "outcome") != "approved" {
		t.Fatalf("by-Client create: %d %v", status, res)
	}

	recs := metrics.Scan(logs.String())
	sum := func(name, dim, value string) float64 {
		var n float64
		for _, r := range recs {
			if v, ok := r.Values[name]; ok && (dim == "" || r.Dimensions[dim] == value) {
				n += v
			}
		}
		return n
	}
	records := func(name string) []metrics.Record {
		var out []metrics.Record
		for _, r := range recs {
			if _, ok := r.Values[name]; ok {
				out = append(out, r)
			}
		}
		return out
	}
	for _, c := range []struct {
		name, dim, value string
		want             float64
	}{
		{metrics.Requests, metrics.DimensionRoute, "POST /v1/processes", 3},
		{metrics.Requests, metrics.DimensionRoute, "GET /v1/processes/{id}", 3},
		{metrics.Requests4xx, metrics.DimensionRoute, "GET /v1/processes/{id}", 1},
		{metrics.Requests, metrics.DimensionRoute, "POST /webhooks/unico", 1},
		{metrics.Requests5xx, "", "", 0},
		{metrics.UnicoCalls, metrics.DimensionStatus, metrics.Status429, 1},
		{metrics.Decisions, metrics.DimensionOutcome, "approved", 2}, // the worker's final state, the by-Client answer
		{metrics.Decisions, "", "", 2},
	} {
		if got := sum(c.name, c.dim, c.value); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.dim, c.value, got, c.want)
		}
	}
	// Unico answered 2xx to the two creates, the worker's read and the by-Client create.
	if got := sum(metrics.UnicoCalls, metrics.DimensionStatus, metrics.Status2xx); got < 4 {
		t.Errorf("UnicoCalls{Status=2xx} = %v, want at least 4", got)
	}
	if got := sum(metrics.UnicoTokenMints, "", ""); got < 1 {
		t.Errorf("UnicoTokenMints = %v: the token metrics do not reach the same output", got)
	}
	lag := records(metrics.WebhookLag)
	if len(lag) != 1 || lag[0].Values[metrics.WebhookLag] < 0 || lag[0].Values[metrics.WebhookLag] > 60_000 || lag[0].Units[metrics.WebhookLag] != metrics.Milliseconds {
		t.Errorf("WebhookLag records %+v, want one, in milliseconds", lag)
	}
	for _, r := range records(metrics.RequestLatency) {
		if r.Units[metrics.RequestLatency] != metrics.Milliseconds || r.Values[metrics.RequestLatency] <= 0 {
			t.Errorf("RequestLatency record %+v", r)
		}
	}

	// Dimensions: Stack and at most one more, from fixed sets.
	routes := map[string]bool{metrics.RouteUnmatched: true}
	for _, r := range httpapi.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	allowed := map[string]func(string) bool{
		metrics.DimensionStack: func(v string) bool { return v == "local" },
		metrics.DimensionRoute: func(v string) bool { return routes[v] },
		metrics.DimensionStatus: func(v string) bool {
			return strings.Contains(" 2xx 401 429 4xx 5xx network other ", " "+v+" ")
		},
		metrics.DimensionOutcome: func(v string) bool {
			return strings.Contains(" approved rejected retry review pending other ", " "+v+" ")
		},
		metrics.DimensionPriority: func(v string) bool {
			return strings.Contains(" create followup read sweep ", " "+v+" ")
		},
	}
	for _, r := range recs {
		if r.Namespace != metrics.Namespace || len(r.Dimensions) == 0 || len(r.Dimensions) > 2 {
			t.Errorf("record %+v", r)
		}
		for k, v := range r.Dimensions {
			if ok := allowed[k]; ok == nil || !ok(v) {
				t.Errorf("dimension %s=%q in %+v", k, v, r)
			}
		}
	}
	// No record carries request data.
	var emf strings.Builder
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"_aws"`) {
			emf.WriteString(line + "\n")
		}
	}
	planted := []string{cpf, clientCPF, personName, clientName, selfie, id, clientID, demo, "order-42", "metrics-1", "metrics-2"}
	if found := logging.FindPII(emf.String(), planted...); len(found) > 0 {
		t.Errorf("metric records carry request data: %v", found)
	}
	if len(recs) < 8 {
		t.Fatalf("only %d metric records: the checks above prove little", len(recs))
	}
}
