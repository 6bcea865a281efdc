package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const secretReason = "Spoke with Rosalinda Quintanilha"

func TestValidateReview(t *testing.T) {
	ok := ReviewRequest{Outcome: OutcomeApproved, Reason: "fine\nchecked", Reviewer: "auth0|op-1.x:y_z"}
	if err := ValidateReview(ok); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	for _, c := range []struct {
		r    ReviewRequest
		code string
	}{
		{ReviewRequest{Outcome: "", Reason: "r", Reviewer: "op"}, CodeInvalidReviewOutcome},
		{ReviewRequest{Outcome: OutcomeReview, Reason: "r", Reviewer: "op"}, CodeInvalidReviewOutcome},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: " \n", Reviewer: "op"}, CodeReviewReasonRequired},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: strings.Repeat("a", ReviewReasonMaxChars+1), Reviewer: "op"}, CodeInvalidReviewReason},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: "a\x1b[31m", Reviewer: "op"}, CodeInvalidReviewReason},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: "r"}, CodeReviewerRequired},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: "r", Reviewer: "Maria Silva"}, CodeInvalidReviewer},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: "r", Reviewer: "maria@example.com"}, CodeInvalidReviewer},
		{ReviewRequest{Outcome: OutcomeRejected, Reason: "r", Reviewer: strings.Repeat("a", ReviewerMaxChars+1)}, CodeInvalidReviewer},
	} {
		err := ValidateReview(c.r)
		if e := AsError(err); err == nil || e.Code != c.code || e.Kind != KindInvalid {
			t.Errorf("%v: got %v, want %s", c.r, err, c.code)
		}
	}
	if err := ValidateReview(ReviewRequest{Outcome: OutcomeApproved, Reason: strings.Repeat("é", ReviewReasonMaxChars), Reviewer: "op"}); err != nil {
		t.Errorf("1000 non-ASCII characters refused: %v", err)
	}
}

// The reason never shows when a request is printed or logged.
func TestReviewRequestHidesTheReason(t *testing.T) {
	r := ReviewRequest{Outcome: OutcomeApproved, Reason: secretReason, Reviewer: "op-1"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", slog.Any("req", r))
	for _, s := range []string{fmt.Sprint(r), fmt.Sprintf("%v %+v %#v %s", r, r, r, r), buf.String()} {
		if strings.Contains(s, "Rosalinda") {
			t.Errorf("reason printed: %s", s)
		}
	}
}

// The view shows the person's decision, the review and the replaced decision; a redacted
// process's view and the outbound event carry no reason.
func TestReviewOverlayAndEvent(t *testing.T) {
	now := time.Date(2090, 1, 2, 3, 4, 5, 0, time.UTC)
	auto := decision(OutcomeReview, reason(ReasonIdentityInconclusive, "m"))
	p := Process{ID: "11111111-1111-4111-8111-111111111111", Tenant: "acme", State: StateFinished, Decision: auto, CreatedAt: now, UpdatedAt: now,
		Review: &Review{Outcome: OutcomeRejected, Reason: secretReason, Reviewer: "op-1", DecidedAt: now, Replaced: auto}}
	v := storedView(p)
	if v.Decision.Outcome != OutcomeRejected || v.Decision.Reasons[0].Code != ReasonManualReviewRejected || v.Review.Reason != secretReason ||
		v.AutomaticDecision.Outcome != OutcomeReview || v.AutomaticDecision.Reasons[0].Code != ReasonIdentityInconclusive {
		t.Fatalf("view: %+v", v)
	}
	ev := newOutboundEvent(p, now)
	var pl OutboundPayload
	if err := json.Unmarshal(ev.Payload, &pl); err != nil || ev.ID != ReviewedEventID(p.ID) || ev.Type != EventTypeReviewed ||
		pl.Data.Decision.Outcome != OutcomeRejected || pl.Data.Review.Reviewer != "op-1" || pl.Data.AutomaticDecision.Outcome != OutcomeReview {
		t.Fatalf("event %s: %s %v", ev.ID, ev.Payload, err)
	}
	if strings.Contains(string(ev.Payload), "Rosalinda") || strings.Contains(string(reviewAnswer(v)), "Rosalinda") {
		t.Fatal("the event or the key's stored answer carries the reason")
	}
	p.Redacted = true
	if v := storedView(p); v.Review.Reason != "" || v.Decision.Outcome != OutcomeRejected {
		t.Fatalf("redacted view: %+v", v.Review)
	}
	p.Review = nil
	if v := storedView(p); v.Review != nil || v.AutomaticDecision != nil || v.Decision.Outcome != OutcomeReview {
		t.Fatalf("unreviewed view: %+v", v)
	}
}
