package httpapi

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/unico"
)

// cancellingUnico creates the process at "Unico" and then the caller goes away (its context is
// cancelled), as when an app backend's HTTP client times out mid-create.
type cancellingUnico struct {
	fakeUnico
	cancel context.CancelFunc
}

func (c *cancellingUnico) CreateProcess(ctx context.Context, req unico.CreateProcessRequest) (unico.Process, error) {
	p, err := c.fakeUnico.CreateProcess(ctx, req)
	c.cancel()
	return p, err
}

// ctxCheckingStore refuses writes with a cancelled context, as the SDK would.
type ctxCheckingStore struct{ *memStore }

func (s ctxCheckingStore) CreateProcess(ctx context.Context, p domain.Process, done *domain.IdempotencyDone) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return s.memStore.CreateProcess(ctx, p, done)
}

// A process Unico created is recorded even when the caller disconnected meanwhile.
func TestCreateRecordsAfterTheCallerLeft(t *testing.T) {
	store := ctxCheckingStore{newMemStore()}
	ctx, cancel := context.WithCancel(context.Background())
	u := &cancellingUnico{cancel: cancel}
	svc := domain.NewService(domain.Deps{Store: store, Lister: store, Idempotency: store, Hosted: u, Secrets: fakeSecrets{}},
		domain.Config{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	_, _, err := svc.Create(ctx, domain.CreateInput{Tenant: "acme", IdempotencyKey: "k", Fingerprint: "f",
		Request: domain.CreateRequest{Integration: domain.ByUnico, Flow: "idlive", Purpose: "creditprocess", Person: &domain.PersonInput{CPF: "73689290074"}}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := store.GetProcess(context.Background(), uuidFor(1)); err != nil {
		t.Fatalf("the created process was not recorded: %v", err)
	}
}
