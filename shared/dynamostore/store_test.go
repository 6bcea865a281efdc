package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
)

var server *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &server)) }

func newStore(t *testing.T) *dynamostore.Store {
	t.Helper()
	db := dynamolocaltest.Client(t, server)
	name := dynamolocaltest.TableName(t)
	if err := dynamostore.CreateTable(context.Background(), db, name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return dynamostore.New(db, name)
}

// t0 is the fixtures' time. It lies far in the future on purpose: DynamoDB Local runs TTL
// like DynamoDB and deletes items whose ttl has passed on the wall clock, at a moment of its
// choosing (on a busy machine, in the middle of a test). A fixture dated in the past made
// items vanish between a write and the next read (issue 16).
var t0 = time.Date(2090, 11, 21, 12, 0, 0, 0, time.UTC)

func sample(id string) domain.Process {
	return domain.Process{ID: id, Tenant: "acme", Integration: domain.ByUnico, Flow: "idlive", State: domain.StateCreated,
		UnicoState: "PROCESS_STATE_CREATED", Decision: domain.Decision{Outcome: domain.OutcomePending, Reasons: []domain.Reason{{Code: "awaiting_person", Message: "m"}}},
		CPFHash: "abc", CPFMasked: "***.***.***-74", CreatedAt: t0, UpdatedAt: t0, RetainUntil: t0.Add(24 * time.Hour), Version: 1}
}

func TestProcessRoundTripAndConditions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := sample("11111111-1111-4111-8111-111111111111")
	if err := s.CreateProcess(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProcess(ctx, p, nil); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("second create: want ErrConditionFailed, got %v", err)
	}
	got, err := s.GetProcess(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "acme" || got.State != domain.StateCreated || got.Version != 1 || got.Decision.Outcome != domain.OutcomePending ||
		!got.CreatedAt.Equal(t0) || got.CPFMasked != "***.***.***-74" || len(got.Decision.Reasons) != 1 {
		t.Fatalf("round trip lost data: %+v", got)
	}
	if _, err := s.GetProcess(ctx, "22222222-2222-4222-8222-222222222222"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("missing: want ErrNotFound, got %v", err)
	}

	// Forward with the right version works.
	fin := got
	fin.State, fin.Version, fin.FinishedAt = domain.StateFinished, 2, t0.Add(time.Hour)
	fin.Decision = domain.Decision{Outcome: domain.OutcomeApproved}
	if err := s.UpdateProcess(ctx, fin, 1); err != nil {
		t.Fatal(err)
	}
	// A stale writer (version 1) loses.
	stale := got
	stale.Version = 2
	if err := s.UpdateProcess(ctx, stale, 1); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("stale write: want ErrConditionFailed, got %v", err)
	}
	// A backwards move with the current version is refused too.
	back := fin
	back.State, back.Version = domain.StateCreated, 3
	if err := s.UpdateProcess(ctx, back, 2); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("backwards write: want ErrConditionFailed, got %v", err)
	}
	got = must(s.GetProcess(ctx, p.ID))(t)
	if got.State != domain.StateFinished || got.Version != 2 || got.Decision.Outcome != domain.OutcomeApproved || !got.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("final state wrong: %+v", got)
	}
}

func TestConcurrentUpdatesNoLostUpdate(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := sample("33333333-3333-4333-8333-333333333333")
	if err := s.CreateProcess(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	// 10 writers all read version 1 and try to write version 2: exactly one wins.
	var wins, losses int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n := p
			n.Version = 2
			n.ClientReference = fmt.Sprint("writer-", i)
			err := s.UpdateProcess(ctx, n, 1)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if errors.Is(err, domain.ErrConditionFailed) {
				losses++
			} else {
				t.Errorf("unexpected error: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins != 1 || losses != 9 {
		t.Fatalf("wins=%d losses=%d, want 1 and 9", wins, losses)
	}
}

func TestIdempotency(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	lock := domain.IdempotencyLock{Tenant: "acme", Key: "k1", Fingerprint: "f1", Now: t0, LockUntil: t0.Add(30 * time.Second), KeepUntil: t0.Add(24 * time.Hour)}
	if ans, err := s.BeginIdempotent(ctx, lock); err != nil || ans != nil {
		t.Fatalf("first begin: %v %v", ans, err)
	}
	// In flight: 409.
	_, err := s.BeginIdempotent(ctx, lock)
	if e := domain.AsError(err); e.Kind != domain.KindConflict {
		t.Fatalf("in flight: want conflict, got %v", err)
	}
	// Other body: 422, even in flight.
	other := lock
	other.Fingerprint = "f2"
	if e := domain.AsError(func() error { _, err := s.BeginIdempotent(ctx, other); return err }()); e.Kind != domain.KindUnprocessable {
		t.Fatalf("mismatch: want unprocessable, got %v", e)
	}
	// Complete with a process in one transaction; then the same key replays the answer.
	p := sample("44444444-4444-4444-8444-444444444444")
	done := &domain.IdempotencyDone{Tenant: "acme", Key: "k1", Answer: domain.StoredAnswer{Result: []byte(`{"process":{"id":"x"}}`)}, KeepUntil: t0.Add(24 * time.Hour)}
	if err := s.CreateProcess(ctx, p, done); err != nil {
		t.Fatal(err)
	}
	ans, err := s.BeginIdempotent(ctx, lock)
	if err != nil || ans == nil || string(ans.Result) != `{"process":{"id":"x"}}` {
		t.Fatalf("replay: %v %v", ans, err)
	}
	// A transaction whose process already exists writes nothing: the lock stays in progress.
	lock2 := lock
	lock2.Key = "k2"
	if _, err := s.BeginIdempotent(ctx, lock2); err != nil {
		t.Fatal(err)
	}
	done2 := *done
	done2.Key = "k2"
	if err := s.CreateProcess(ctx, p, &done2); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("duplicate process in transaction: want ErrConditionFailed, got %v", err)
	}
	if _, err := s.BeginIdempotent(ctx, lock2); domain.AsError(err).Kind != domain.KindConflict {
		t.Fatalf("k2 should still be in flight, got %v", err)
	}
	// A crashed holder's lock can be taken over after LockUntil.
	later := lock2
	later.Now = t0.Add(time.Minute)
	later.LockUntil = later.Now.Add(30 * time.Second)
	if ans, err := s.BeginIdempotent(ctx, later); err != nil || ans != nil {
		t.Fatalf("takeover: %v %v", ans, err)
	}
	// Release lets a retry start again; a definite error is stored and replayed.
	if err := s.ReleaseIdempotent(ctx, "acme", "k2"); err != nil {
		t.Fatal(err)
	}
	if ans, err := s.BeginIdempotent(ctx, later); err != nil || ans != nil {
		t.Fatalf("after release: %v %v", ans, err)
	}
	if err := s.CompleteIdempotent(ctx, domain.IdempotencyDone{Tenant: "acme", Key: "k2", KeepUntil: t0.Add(time.Hour),
		Answer: domain.StoredAnswer{ErrKind: domain.KindInvalid, ErrCode: "unico_rejected_request", ErrMessage: "no"}}); err != nil {
		t.Fatal(err)
	}
	ans, err = s.BeginIdempotent(ctx, later)
	if err != nil || ans == nil || ans.ErrCode != "unico_rejected_request" || ans.ErrKind != domain.KindInvalid {
		t.Fatalf("stored error replay: %+v %v", ans, err)
	}
	// Keys are per tenant.
	otherTenant := lock
	otherTenant.Tenant = "globex"
	if ans, err := s.BeginIdempotent(ctx, otherTenant); err != nil || ans != nil {
		t.Fatalf("other tenant same key: %v %v", ans, err)
	}
}

func TestStoreDownIsUnavailable(t *testing.T) {
	db := dynamolocaltest.Client(t, server)
	s := dynamostore.New(db, "no-such-table")
	_, err := s.GetProcess(context.Background(), "55555555-5555-4555-8555-555555555555")
	e := domain.AsError(err)
	if e.Kind != domain.KindUnavailable || e.Code != domain.CodeStoreUnavailable {
		t.Fatalf("want store_unavailable, got %v", err)
	}
}

// must returns a call's value, failing the test on its error: a test that
// ignored an error would report a zero value instead of the cause.
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
