package dynamostore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/domain"
)

// TestClaimRefreshAndResults: the read refresh's claim is one conditional write of checkedAt
// that leaves the version alone: the first claimer of what it read wins, a second one (or one
// that read before a writer) loses; and the recorded results round-trip.
func TestClaimRefreshAndResults(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := sample("33333333-3333-4333-8333-333333333333")
	p.CheckedAt = t0
	score := 72.5
	p.Results = &domain.Results{Unico: domain.UnicoStatus{LastEvent: "e1", Capacities: []string{"PROCESS_CAPACITY_IDLIVE"}},
		Hosted: &domain.HostedResults{RiskScore: &score}, Signature: &domain.SignatureView{EnvelopeID: "env", DocumentIDs: []string{"d1"}}}
	if err := s.CreateProcess(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	got := must(s.GetProcess(ctx, p.ID))(t)
	if !got.CheckedAt.Equal(t0) || got.Results == nil || *got.Results.Hosted.RiskScore != score || got.Results.Signature.DocumentIDs[0] != "d1" ||
		got.Results.Unico.LastEvent != "e1" {
		t.Fatalf("round trip: %+v %+v", got, got.Results)
	}
	later := t0.Add(5 * time.Second)
	if err := s.ClaimRefresh(ctx, got, later); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := s.ClaimRefresh(ctx, got, later.Add(time.Millisecond)); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("second claim of the same read: %v, want ErrConditionFailed", err)
	}
	claimed := must(s.GetProcess(ctx, p.ID))(t)
	if !claimed.CheckedAt.Equal(later) || claimed.Version != got.Version {
		t.Fatalf("after the claim: checkedAt %v version %d", claimed.CheckedAt, claimed.Version)
	}
	// A writer that read before the claim still wins its conditional write (the version did
	// not move); a claim from before that write loses.
	next := got
	next.Version = got.Version + 1
	if err := s.UpdateProcess(ctx, next, got.Version); err != nil {
		t.Fatalf("writer after a claim: %v", err)
	}
	if err := s.ClaimRefresh(ctx, claimed, later.Add(time.Second)); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("claim after a write: %v, want ErrConditionFailed", err)
	}
	// A process recorded without checkedAt (before this change) is claimed too.
	old := sample("44444444-4444-4444-8444-444444444444")
	if err := s.CreateProcess(ctx, old, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimRefresh(ctx, must(s.GetProcess(ctx, old.ID))(t), later); err != nil {
		t.Fatalf("claim without checkedAt: %v", err)
	}
}
