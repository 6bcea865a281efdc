package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
)

func inReview(id string, created time.Time) domain.Process {
	p := sample(id)
	p.State, p.CreatedAt, p.UpdatedAt = domain.StateFinished, created, created
	p.Decision = domain.Decision{Outcome: domain.OutcomeReview, Reasons: []domain.Reason{{Code: domain.ReasonIdentityInconclusive, Message: "m"}}}
	return p
}

// lockKey takes an Idempotency-Key so that ReviewProcess can complete it.
func lockKey(t *testing.T, s *dynamostore.Store, key string) domain.IdempotencyDone {
	t.Helper()
	l := domain.IdempotencyLock{Tenant: "acme", Key: key, Fingerprint: "f", Now: t0, LockUntil: t0.Add(time.Minute), KeepUntil: t0.Add(time.Hour)}
	if a, err := s.BeginIdempotent(context.Background(), l); err != nil || a != nil {
		t.Fatalf("lock %s: %v %v", key, a, err)
	}
	return domain.IdempotencyDone{Tenant: "acme", Key: key, Answer: domain.StoredAnswer{Result: []byte(`{}`)}, KeepUntil: t0.Add(time.Hour)}
}

// TestReviewProcessAndQueue: the review queue (gsi3) holds exactly the tenant's processes
// awaiting a person, oldest first, across pages; ReviewProcess is conditional on the version and
// on no review existing, writes the review, the event and the key together, and the process
// leaves the queue; redaction removes the reason and the queue entry and keeps the review.
func TestReviewProcessAndQueue(t *testing.T) {
	ctx := context.Background()
	ddb := dynamolocaltest.Client(t, server)
	table := dynamolocaltest.TableName(t)
	if err := dynamostore.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	s := dynamostore.New(ddb, table)
	var ids []string
	for i := range 5 {
		p := inReview(fmt.Sprintf("7%07d-0000-4000-8000-000000000000", i), t0.Add(time.Duration(i)*time.Minute))
		if err := s.CreateProcess(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	approved := sample("7a000000-0000-4000-8000-000000000000")
	other := inReview("7b000000-0000-4000-8000-000000000000", t0)
	other.Tenant = "other"
	for _, p := range []domain.Process{approved, other} {
		if err := s.CreateProcess(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	queue := func(tenant string) []string {
		t.Helper()
		var got []string
		cursor := ""
		for range 10 {
			page, err := s.ListReviewQueue(ctx, domain.ListQuery{Tenant: tenant, Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Processes {
				got = append(got, p.ID)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		return got
	}
	if got := queue("acme"); fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("queue %v, want %v", got, ids)
	}
	if got := queue("other"); fmt.Sprint(got) != fmt.Sprint([]string{other.ID}) {
		t.Fatalf("other's queue %v", got)
	}
	page, _ := s.ListReviewQueue(ctx, domain.ListQuery{Tenant: "acme", Limit: 2})
	if _, err := s.ListReviewQueue(ctx, domain.ListQuery{Tenant: "other", Limit: 2, Cursor: page.NextCursor}); domain.AsError(err).Code != "invalid_cursor" {
		t.Fatalf("another tenant's cursor: %v", err)
	}

	p := must(s.GetProcess(ctx, ids[1]))(t)
	next := p
	next.Review = &domain.Review{Outcome: domain.OutcomeApproved, Reason: "checked by phone", Reviewer: "op-1", DecidedAt: t0.Add(time.Hour), Replaced: p.Decision}
	next.Version = p.Version + 1
	ev := domain.OutboundEvent{ID: domain.ReviewedEventID(p.ID), ProcessID: p.ID, Tenant: "acme", Type: domain.EventTypeReviewed,
		Payload: []byte(`{}`), Status: domain.EventPending, NextAttemptAt: t0, CreatedAt: t0, KeepUntil: p.RetainUntil}
	if err := s.ReviewProcess(ctx, next, p.Version+5, &ev, lockKey(t, s, "k-stale")); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("stale version: %v", err)
	}
	if _, err := s.GetEvent(ctx, p.ID); !errors.Is(err, domain.ErrEventNotFound) {
		t.Fatalf("a refused review wrote its event: %v", err)
	}
	if err := s.ReviewProcess(ctx, next, p.Version, &ev, lockKey(t, s, "k-1")); err != nil {
		t.Fatal(err)
	}
	got := must(s.GetProcess(ctx, p.ID))(t)
	if got.Review == nil || !reflect.DeepEqual(*got.Review, *next.Review) || got.Decision.Outcome != domain.OutcomeReview || got.Version != next.Version {
		t.Fatalf("stored review: %+v %+v", got, got.Review)
	}
	if e := must(s.GetEvent(ctx, p.ID))(t); e.ID != ev.ID || e.Type != domain.EventTypeReviewed {
		t.Fatalf("event: %+v", e)
	}
	if a, err := s.BeginIdempotent(ctx, domain.IdempotencyLock{Tenant: "acme", Key: "k-1", Fingerprint: "f", Now: t0, LockUntil: t0.Add(time.Minute),
		KeepUntil: t0.Add(time.Hour)}); err != nil || a == nil || string(a.Result) != `{}` {
		t.Fatalf("the key's answer was not completed with the review: %v %v", a, err)
	}
	// A second review, even at the current version, is refused: the item has a review.
	again := got
	again.Version++
	if err := s.ReviewProcess(ctx, again, got.Version, nil, lockKey(t, s, "k-2")); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("second review: %v", err)
	}
	want := []string{ids[0], ids[2], ids[3], ids[4]}
	if q := queue("acme"); fmt.Sprint(q) != fmt.Sprint(want) {
		t.Fatalf("queue after the review %v, want %v", q, want)
	}
	yes := true
	list, err := s.ListProcesses(ctx, domain.ListQuery{Tenant: "acme", Limit: 100, Reviewed: &yes})
	if err != nil || len(list.Processes) != 1 || list.Processes[0].ID != p.ID {
		t.Fatalf("reviewed=true: %+v %v", list, err)
	}

	// Redaction: the reason goes, the review stays; a redacted process leaves the queue.
	red, err := s.RedactProcess(ctx, domain.RedactRequest{Tenant: "acme", ID: p.ID, Now: t0.Add(2 * time.Hour)})
	if err != nil || red.Review == nil || red.Review.Reason != "" || red.Review.Reviewer != "op-1" || red.Review.Outcome != domain.OutcomeApproved {
		t.Fatalf("redacted review: %+v %v", red.Review, err)
	}
	if raw := rawAttrs(t, ddb, table, p.ID); raw["reviewReason"] != nil || raw["reviewOutcome"] == nil {
		t.Fatalf("raw item after redaction: %v", raw)
	}
	if _, err := s.RedactProcess(ctx, domain.RedactRequest{Tenant: "acme", ID: ids[0], Now: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if q := queue("acme"); fmt.Sprint(q) != fmt.Sprint(want[1:]) {
		t.Fatalf("queue after a redaction %v, want %v", q, want[1:])
	}
}
