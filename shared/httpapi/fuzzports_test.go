package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/lambdaproxy"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/unico"
)

// memPorts implements every port of the service in memory, for the fuzz tests only: they run
// thousands of requests a second, which DynamoDB Local and the simulator cannot serve, and what
// they test is how the handlers and the use cases treat input, which the ports never see unless
// the input was accepted. The same input classes go through the real ports in
// local/devstack (TestHostileCorpus).
//
// The store is the benchmarks' memStore (fakes_test.go); memPorts adds redaction, refuses
// cursors, and never replays an Idempotency-Key, so that every fuzzed create reaches the use case.
type memPorts struct {
	*memStore
	seq int
}

const (
	fuzzTenant    = "tenant-a"
	fuzzKeyID     = "key-a"
	fuzzProcessID = "0e9f4c1a-3b7d-4c2e-9a51-7f3d2b1c0e99" // tenant-a's process
	fuzzOtherID   = "7d3c2b1a-0000-4000-8000-000000000001" // another tenant's process
	fuzzHookUser  = "unico"
	fuzzHookPass  = "hook-password"
)

func newMemPorts() *memPorts {
	m := &memPorts{memStore: newMemStore()}
	for id, tenant := range map[string]string{fuzzProcessID: fuzzTenant, fuzzOtherID: "tenant-b"} {
		m.procs[id] = domain.Process{ID: id, Tenant: tenant, Integration: domain.ByUnico, Flow: "idlive", State: domain.StateCreated,
			Decision: domain.Decision{Outcome: domain.OutcomePending}, ClientReference: "ref", CPFHash: "h", CPFMasked: "***.***.***-05", Version: 1}
	}
	return m
}

func (m *memPorts) RedactProcess(_ context.Context, r domain.RedactRequest) (domain.Process, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.procs[r.ID]
	if !ok || p.Tenant != r.Tenant || p.Redacted {
		return domain.Process{}, domain.ErrConditionFailed
	}
	p.CPFHash, p.CPFMasked, p.ClientReference, p.Redacted, p.RedactedAt = "", "", "", true, r.Now
	p.Version++
	m.procs[r.ID] = p
	return p, nil
}

func (m *memPorts) ListProcesses(ctx context.Context, q domain.ListQuery) (domain.ListPage, error) {
	if q.Cursor != "" {
		return domain.ListPage{}, domain.Errorf(domain.KindInvalid, "invalid_cursor", "The cursor is not one this API returned.")
	}
	return m.memStore.ListProcesses(ctx, q)
}

func (m *memPorts) BeginIdempotent(context.Context, domain.IdempotencyLock) (*domain.StoredAnswer, error) {
	return nil, nil
}
func (m *memPorts) CompleteIdempotent(context.Context, domain.IdempotencyDone) error { return nil }
func (m *memPorts) ReleaseIdempotent(context.Context, string, string) error          { return nil }

func (m *memPorts) CPFHashKey(context.Context) ([]byte, error) { return []byte("fuzz-hash-key"), nil }

// Unico (by Unico): creates always work; reads answer the process as created.
// memHosted implements create and read; the embedded nil interface panics on the artefact
// methods, which the fuzzed paths never reach.
type memHosted struct {
	domain.HostedUnico
	m *memPorts
}

func (h memHosted) CreateProcess(_ context.Context, req unico.CreateProcessRequest) (unico.Process, error) {
	h.m.mu.Lock()
	h.m.seq++
	n := h.m.seq
	h.m.mu.Unlock()
	return unico.Process{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Flow: req.Flow, State: unico.ProcessStateCreated,
		Token: "sdk-token", UserRedirectURL: "https://journey.example/x"}, nil
}

func (h memHosted) GetProcess(_ context.Context, id string) (unico.Process, error) {
	return unico.Process{ID: id, State: unico.ProcessStateCreated}, nil
}

// fuzzAPI is the whole API (every function's routes) on memPorts, logging to logs.
func fuzzAPI(logs *logging.SyncBuffer) http.Handler {
	m := newMemPorts()
	log := logging.New(logs, slog.LevelDebug)
	svc := domain.NewService(domain.Deps{Store: m, Lister: m, Idempotency: m, Hosted: memHosted{m: m}, Secrets: m, Deliveries: m}, domain.Config{Log: log})
	return New(Deps{Service: svc, Log: log,
		Tenants: func(keyID string) (string, bool) { return fuzzTenant, keyID == fuzzKeyID },
		WebhookCredentials: func(context.Context) ([]unico.WebhookCredential, error) {
			return []unico.WebhookCredential{{Type: "basic", Username: fuzzHookUser, Password: fuzzHookPass}}, nil
		},
	}).Handler("")
}

// serve runs one request through h as API Gateway would deliver it (with the API key's id).
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	r = r.WithContext(lambdaproxy.WithIdentity(r.Context(), lambdaproxy.Identity{RequestID: "fuzz", APIKeyID: fuzzKeyID}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
