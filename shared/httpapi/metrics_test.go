package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unico"
)

// One EMF record per request, whatever its fate: Route is the route table's pattern (never the
// concrete path), Requests4xx/Requests5xx mark the status class, RequestLatency is in ms.
func TestRequestMetrics(t *testing.T) {
	out := &logging.SyncBuffer{}
	em := metrics.New(out, metrics.Namespace, map[string]string{metrics.DimensionStack: "TestStack"})
	store := newMemStore()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := domain.NewService(domain.Deps{Store: store, Lister: store, Idempotency: store, Hosted: &fakeUnico{}, Secrets: fakeSecrets{}},
		domain.Config{Log: log})
	h := New(Deps{Service: svc, Log: log, Metrics: em, Tenants: func(string) (string, bool) { return "acme", true },
		WebhookCredentials: func(context.Context) ([]unico.WebhookCredential, error) { return nil, nil }}).Handler("")

	const cpf = "73689290074"
	r := withKey(httptest.NewRequest("POST", "/v1/processes", strings.NewReader(createJSON)))
	r.Header.Set("Idempotency-Key", "k1")
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/v1/processes", 201},
		{"GET", "/v1/processes/" + cpf, 404},                    // not an id: 404, and the path stays out of the metric
		{"GET", "/v1/processes/" + uuidFor(1) + "/selfie", 500}, // the fake has no artefacts: a panic, recovered
		{"GET", "/no/such/route", 404},
	} {
		var req = withKey(httptest.NewRequest(c.method, c.path, nil))
		if c.method == "POST" {
			req = r
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Fatalf("%s %s: %d %s", c.method, c.path, w.Code, w.Body)
		}
	}
	recs := metrics.Scan(out.String())
	want := []struct {
		route  string
		c4, c5 float64
	}{
		{"POST /v1/processes", 0, 0},
		{"GET /v1/processes/{id}", 1, 0},
		{"GET /v1/processes/{id}/selfie", 0, 1},
		{metrics.RouteUnmatched, 1, 0},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d:\n%s", len(recs), len(want), out)
	}
	for i, w := range want {
		r := recs[i]
		if r.Dimensions[metrics.DimensionRoute] != w.route || r.Dimensions[metrics.DimensionStack] != "TestStack" || len(r.Dimensions) != 2 ||
			r.Values[metrics.Requests] != 1 || r.Values[metrics.Requests4xx] != w.c4 || r.Values[metrics.Requests5xx] != w.c5 ||
			r.Units[metrics.RequestLatency] != metrics.Milliseconds || r.Values[metrics.RequestLatency] < 0 {
			t.Errorf("record %d = %+v, want route %s 4xx %v 5xx %v", i, r, w.route, w.c4, w.c5)
		}
	}
	if strings.Contains(out.String(), cpf) || strings.Contains(out.String(), uuidFor(1)) || strings.Contains(out.String(), "Luke") {
		t.Fatalf("request data in the metrics:\n%s", out)
	}
}
