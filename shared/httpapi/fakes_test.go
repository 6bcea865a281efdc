package httpapi

import (
	"context"
	"sync"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/unico"
)

// memStore is an in-memory store for benchmarks and unit tests of the handlers' logic only;
// behaviour against DynamoDB is tested with DynamoDB Local (shared/dynamostore, local/devstack).
type memStore struct {
	mu         sync.Mutex
	procs      map[string]domain.Process
	idem       map[string]*domain.StoredAnswer
	deliveries map[string]bool
}

func newMemStore() *memStore {
	return &memStore{procs: map[string]domain.Process{}, idem: map[string]*domain.StoredAnswer{}, deliveries: map[string]bool{}}
}

// RecordDelivery records a webhook delivery as the DynamoDB store does: once per key, for an
// open process only.
func (m *memStore) RecordDelivery(_ context.Context, d domain.Delivery) (domain.DeliveryOutcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.procs[d.ProcessID]
	switch {
	case !ok:
		return domain.DeliveryUnknownProcess, nil
	case p.State.Final():
		return domain.DeliveryProcessFinal, nil
	case m.deliveries[d.ProcessID+"#"+d.Key]:
		return domain.DeliveryDuplicate, nil
	}
	m.deliveries[d.ProcessID+"#"+d.Key] = true
	return domain.DeliveryRecorded, nil
}

func (m *memStore) GetProcess(_ context.Context, id string) (domain.Process, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.procs[id]
	if !ok {
		return domain.Process{}, domain.ErrNotFound
	}
	return p, nil
}

func (m *memStore) CreateProcess(_ context.Context, p domain.Process, done *domain.IdempotencyDone) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.procs[p.ID]; ok {
		return domain.ErrConditionFailed
	}
	m.procs[p.ID] = p
	if done != nil {
		a := done.Answer
		m.idem[done.Tenant+"#"+done.Key] = &a
	}
	return nil
}

func (m *memStore) UpdateProcess(_ context.Context, next domain.Process, prev int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.procs[next.ID]
	if !ok || cur.Version != prev || next.State.Rank() < cur.State.Rank() {
		return domain.ErrConditionFailed
	}
	m.procs[next.ID] = next
	return nil
}

func (m *memStore) ListProcesses(_ context.Context, q domain.ListQuery) (domain.ListPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var page domain.ListPage
	for _, p := range m.procs {
		if p.Tenant == q.Tenant && len(page.Processes) < q.Limit {
			page.Processes = append(page.Processes, p)
		}
	}
	return page, nil
}

func (m *memStore) BeginIdempotent(_ context.Context, l domain.IdempotencyLock) (*domain.StoredAnswer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.idem[l.Tenant+"#"+l.Key]; ok {
		return a, nil
	}
	return nil, nil
}

func (m *memStore) CompleteIdempotent(_ context.Context, d domain.IdempotencyDone) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := d.Answer
	m.idem[d.Tenant+"#"+d.Key] = &a
	return nil
}

func (m *memStore) ReleaseIdempotent(context.Context, string, string) error { return nil }

// fakeUnico answers like Unico's by-Unico API with a fixed process. Only create and read are
// implemented (the benchmarks' paths); the embedded nil interface panics on anything else.
type fakeUnico struct {
	domain.HostedUnico
	mu   sync.Mutex
	n    int
	proc unico.Process
}

func (f *fakeUnico) CreateProcess(_ context.Context, req unico.CreateProcessRequest) (unico.Process, error) {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	p := f.proc
	p.ID = uuidFor(n)
	p.State, p.Result, p.Flow = unico.ProcessStateCreated, unico.ProcessResultUnspecified, req.Flow
	p.UserRedirectURL, p.Token = "https://cadastro.uat.unico.app/process/"+p.ID, "sdk-token"
	return p, nil
}

func (f *fakeUnico) GetProcess(_ context.Context, id string) (unico.Process, error) {
	p := f.proc
	p.ID = id
	return p, nil
}

type fakeSecrets struct{}

func (fakeSecrets) CPFHashKey(context.Context) ([]byte, error) {
	return []byte("0123456789abcdef0123456789abcdef"), nil
}

func uuidFor(n int) string {
	const hex = "0123456789abcdef"
	b := []byte("00000000-0000-4000-8000-000000000000")
	for i := len(b) - 1; n > 0 && i >= 0; i-- {
		if b[i] == '-' {
			continue
		}
		b[i] = hex[n%16]
		n /= 16
	}
	return string(b)
}

// fakeClient answers like Unico's by-Client API: every capture is a finished identity process
// with unicoId "yes" (the benchmarks' path); the embedded nil interface panics on anything else.
type fakeClient struct {
	domain.ClientUnico
	mu sync.Mutex
	n  int
}

func (f *fakeClient) CreateClientProcess(_ context.Context, _ string, _ unico.ClientProcessRequest) (unico.ClientProcess, error) {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	return unico.ClientProcess{ID: uuidFor(1<<20 + n), Status: unico.ClientStatusCompleted, UnicoID: &unico.Result{Result: unico.ResultYes}}, nil
}
