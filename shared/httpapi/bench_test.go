package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/lambdaproxy"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unico"
)

// benchAPI is the real handler stack (middleware with its access log line and metrics record,
// routing, JSON, domain service, the redacting logger) over in-process fakes of the store and
// Unico, so the numbers are the gateway's own cost per request. Logs and metrics go to
// io.Discard, after being fully formatted.
func benchAPI(b *testing.B) (http.Handler, *memStore) {
	store := newMemStore()
	finished := unico.Process{State: unico.ProcessStateFinished, Result: unico.ProcessResultOK, Flow: "id",
		AuthenticationInfo: unico.AuthenticationInfo{LivenessResult: unico.LivenessResultLive, AuthenticationResult: unico.AuthenticationResultPositive}}
	log := logging.New(io.Discard, slog.LevelInfo)
	em := metrics.New(io.Discard, metrics.Namespace, map[string]string{metrics.DimensionStack: "bench"})
	svc := domain.NewService(domain.Deps{Store: store, Lister: store, Idempotency: store, Hosted: &fakeUnico{proc: finished},
		Client: &fakeClient{}, Secrets: fakeSecrets{}, Deliveries: store}, domain.Config{Log: log})
	api := New(Deps{Service: svc, Log: log, Metrics: em, Tenants: func(string) (string, bool) { return "acme", true },
		WebhookCredentials: func(context.Context) ([]unico.WebhookCredential, error) {
			return []unico.WebhookCredential{{Type: "basic", Username: "unico", Password: "pw"}}, nil
		}})
	return api.Handler(""), store
}

func withKey(r *http.Request) *http.Request {
	return r.WithContext(lambdaproxy.WithIdentity(r.Context(), lambdaproxy.Identity{APIKeyID: "k", RequestID: "bench"}))
}

const createJSON = `{"integration":"by_unico","flow":"id","purpose":"creditprocess","person":{"cpf":"73689290074","name":"Luke Skywalker"}}`

func BenchmarkCreateHandler(b *testing.B) {
	h, _ := benchAPI(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := withKey(httptest.NewRequest("POST", "/v1/processes", strings.NewReader(createJSON)))
		r.Header.Set("Idempotency-Key", fmt.Sprint("k", i))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 201 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// The by-Client create: validation, the Idempotency-Key, Unico's synchronous answer (a fake
// finished identity process), the decision, and the process recorded with the key's answer.
func BenchmarkByClientCreateHandler(b *testing.B) {
	h, _ := benchAPI(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := `{"integration":"by_client","capability":"identity","selfie":"eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiI` + fmt.Sprint(i) +
			`In0.c2ln","person":{"cpf":"73689290074","name":"Luke Skywalker"}}`
		r := withKey(httptest.NewRequest("POST", "/v1/processes", strings.NewReader(body)))
		r.Header.Set("Idempotency-Key", fmt.Sprint("c", i))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 201 || !strings.Contains(w.Body.String(), `"outcome":"approved"`) {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

func seedOne(b *testing.B, h http.Handler) string {
	r := withKey(httptest.NewRequest("POST", "/v1/processes", strings.NewReader(createJSON)))
	r.Header.Set("Idempotency-Key", "seed")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 201 {
		b.Fatalf("seed: %d %s", w.Code, w.Body)
	}
	return uuidFor(1)
}

func BenchmarkReadHandler(b *testing.B) {
	h, _ := benchAPI(b)
	id := seedOne(b, h)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, withKey(httptest.NewRequest("GET", "/v1/processes/"+id, nil)))
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkWebhookHandler: every iteration sends a new delivery (its lastEvent differs), so the
// benchmark measures recording one; BenchmarkWebhookHandlerDuplicate measures the same delivery again.
func BenchmarkWebhookHandler(b *testing.B) {
	h, _ := benchAPI(b)
	id := seedOne(b, h)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := `{"processId":"` + id + `","state":"PROCESS_STATE_FINISHED","flow":"id","lastEvent":"e` + strconv.Itoa(i) + `"}`
		r := httptest.NewRequest("POST", "/webhooks/unico", strings.NewReader(body))
		r.SetBasicAuth("unico", "pw")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkWebhookHandlerDuplicate: Unico's retry of a delivery already recorded.
func BenchmarkWebhookHandlerDuplicate(b *testing.B) {
	h, _ := benchAPI(b)
	id := seedOne(b, h)
	body := `{"processId":"` + id + `","state":"PROCESS_STATE_FINISHED","flow":"id"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/webhooks/unico", strings.NewReader(body))
		r.SetBasicAuth("unico", "pw")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
