package domain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Manual review: a person decides a process whose automatic decision is review
// (POST /v1/processes/{id}/review). The review is stored beside the automatic decision, never
// over it: Process.Decision stays what the rules (decide.go, byclient.go) computed, so a later
// read or sync that recomputes it cannot erase the person's decision, and Process.Review holds
// the person's decision with the automatic decision it replaced, for the audit trail. Every view
// (reads, list items, outbound events) shows the person's decision as the decision
// (overlayReview, called from baseView).
//
// Personal data: the reason is free text an operator writes; it may name the person, so it is
// never logged, never put in an error or an outbound event, never kept in the Idempotency-Key's
// stored answer, and it is removed by redaction (the fact, the outcome, the reviewer and the
// time of the review stay). The reviewer is an operator's id (ReviewerPattern): it identifies
// the tenant's staff member, not the verified person, and is kept by redaction as the audit's
// "who decided". It is not logged either: the store's review record is the audit trail.

// Review is a person's decision on a process in review.
type Review struct {
	Outcome   Outcome   // approved or rejected
	Reason    string    // free text, personal data ("" after redaction)
	Reviewer  string    // the operator's id (ReviewerPattern)
	DecidedAt time.Time // when the review was recorded
	Replaced  Decision  // the automatic decision the review replaced (outcome review, with its reasons)
}

// ReviewView is the review as the API shows it.
type ReviewView struct {
	Outcome  Outcome `json:"outcome"`
	Reviewer string  `json:"reviewer"`
	// Reason is omitted once the process is redacted, and in outbound events (personal data).
	Reason    string    `json:"reason,omitempty"`
	DecidedAt time.Time `json:"decidedAt"`
}

// Reason codes of a reviewed process's decision.
const (
	ReasonManualReviewApproved = "manual_review_approved"
	ReasonManualReviewRejected = "manual_review_rejected"
)

// Error codes of the review.
const (
	CodeProcessNotInReview   = "process_not_in_review"
	CodeInvalidReviewOutcome = "invalid_review_outcome"
	CodeReviewReasonRequired = "review_reason_required"
	CodeInvalidReviewReason  = "invalid_review_reason"
	CodeReviewerRequired     = "reviewer_required"
	CodeInvalidReviewer      = "invalid_reviewer"
)

// Limits of a review request (documented in the OpenAPI document and docs/errors.md).
const (
	ReviewReasonMaxChars = 1000 // Unicode characters
	ReviewerMaxChars     = 128
	// ReviewerPattern describes the reviewer: an operator id from the tenant's own systems (an
	// employee number, an identity-provider subject), ASCII letters, digits and . _ : | - only.
	// Spaces and @ are refused, so a full name or an e-mail address cannot be sent as one.
	ReviewerPattern = `^[A-Za-z0-9._:|-]{1,128}$`
)

// ReviewRequest is the body of POST /v1/processes/{id}/review.
type ReviewRequest struct {
	Outcome  Outcome `json:"outcome"`
	Reason   string  `json:"reason"`
	Reviewer string  `json:"reviewer"`
}

// String hides the reason, so that a request printed by mistake leaks nothing.
func (r ReviewRequest) String() string {
	return fmt.Sprintf("ReviewRequest{Outcome:%q Reason:[%d chars] Reviewer:[set:%t]}", safeEnum(string(r.Outcome)),
		utf8.RuneCountInString(r.Reason), r.Reviewer != "")
}

// GoString is String (for %#v).
func (r ReviewRequest) GoString() string { return r.String() }

// LogValue is what slog writes for a ReviewRequest: the outcome only.
func (r ReviewRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("outcome", safeEnum(string(r.Outcome))))
}

// ReviewInput is one review call: the tenant, the process id, the Idempotency-Key with the
// fingerprint of the request (route, process id and raw body), and the decoded body.
type ReviewInput struct {
	Tenant         string
	ID             string
	IdempotencyKey string
	Fingerprint    string
	Request        ReviewRequest
}

// ProcessReviewer is implemented by a ProcessStore that can record a review in one
// transaction: the process as next (if the stored version is prevVersion), its outbound event
// (when ev is not nil: it replaces the process's previous event, see OutboundEvent) and the
// completion of the Idempotency-Key that guards the review. A failed condition is
// ErrConditionFailed and nothing is written.
type ProcessReviewer interface {
	ReviewProcess(ctx context.Context, next Process, prevVersion int64, ev *OutboundEvent, done IdempotencyDone) error
}

// ReviewQueueLister is implemented by a ProcessLister that can page through a tenant's review
// queue (ListQuery.Decision == OutcomeReview) from an index of the processes waiting for a
// person, oldest first.
type ReviewQueueLister interface {
	ListReviewQueue(ctx context.Context, q ListQuery) (ListPage, error)
}

// ReviewObserver is implemented by an Observer that counts reviews (metric Reviews by outcome).
type ReviewObserver interface {
	Reviewed(ctx context.Context, outcome Outcome)
}

// AwaitingReview reports whether p waits for a person: its automatic decision is review, no
// review was recorded and it was not redacted. Stores index exactly these (the review queue).
func (p Process) AwaitingReview() bool {
	return p.Decision.Outcome == OutcomeReview && p.Review == nil && !p.Redacted
}

// ValidateReview checks a review request; the messages never repeat what was sent.
func ValidateReview(r ReviewRequest) error {
	if r.Outcome != OutcomeApproved && r.Outcome != OutcomeRejected {
		return invalid(CodeInvalidReviewOutcome, "outcome must be approved or rejected.")
	}
	if strings.TrimSpace(r.Reason) == "" {
		return invalid(CodeReviewReasonRequired, "reason is required: say why the verification is approved or rejected.")
	}
	if !validReviewReason(r.Reason) {
		return invalid(CodeInvalidReviewReason, "reason must be at most 1000 characters of printable text (line breaks and tabs allowed).")
	}
	if r.Reviewer == "" {
		return invalid(CodeReviewerRequired, "reviewer is required: the id of the operator who decided.")
	}
	if !validReviewer(r.Reviewer) {
		return invalid(CodeInvalidReviewer, "reviewer must be an operator id of 1 to 128 characters: letters, digits and . _ : | - (no spaces, no @: not a name or an e-mail).")
	}
	return nil
}

func validReviewReason(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > ReviewReasonMaxChars {
		return false
	}
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			continue
		}
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

func validReviewer(s string) bool {
	if len(s) == 0 || len(s) > ReviewerMaxChars {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("._:|-", c) >= 0) {
			return false
		}
	}
	return true
}

// reviewAttempts bounds the read-check-write loop when another writer (a sync, a redaction)
// changes the process between the read and the write.
const reviewAttempts = 3

// Review records a person's decision on a tenant's process in review. It is idempotent like a
// create: the Idempotency-Key is required, the same key with the same request replays the first
// answer (an error included), with another request it is 422. The process must be the tenant's
// (404 otherwise), not redacted (410) and its decision review (409 process_not_in_review
// otherwise, which is also the answer to a second review). The write is conditional on the
// version read, so of two concurrent reviews exactly one wins; the other reads again and gets
// 409. The review, the process.reviewed outbound event and the key's answer are written in one
// transaction; nothing is written on any refusal.
func (s *Service) Review(ctx context.Context, in ReviewInput) (ProcessView, bool, error) {
	if in.IdempotencyKey == "" {
		return ProcessView{}, false, invalid(CodeIdempotencyKey, "The Idempotency-Key header is required on reviews.")
	}
	if len(in.IdempotencyKey) > 255 {
		return ProcessView{}, false, invalid("invalid_idempotency_key", "The Idempotency-Key must be at most 255 characters.")
	}
	if err := ValidateReview(in.Request); err != nil {
		return ProcessView{}, false, err
	}
	rev, ok := s.store.(ProcessReviewer)
	if !ok {
		return ProcessView{}, false, &Error{Kind: KindInternal, Code: "review_unsupported", Message: "Internal error.",
			Err: errors.New("the process store cannot record reviews")}
	}
	now := s.cfg.Now()
	stored, err := s.idem.BeginIdempotent(ctx, IdempotencyLock{Tenant: in.Tenant, Key: in.IdempotencyKey, Fingerprint: in.Fingerprint,
		Now: now, LockUntil: now.Add(s.cfg.LockFor), KeepUntil: now.Add(s.cfg.IdempotencyTTL)})
	if err != nil {
		return ProcessView{}, false, err
	}
	if stored != nil {
		v, err := s.replayReview(ctx, in, *stored)
		return v, true, err
	}
	view, err := s.review(ctx, rev, in)
	if err != nil {
		s.settleReviewKey(ctx, in, err)
		return ProcessView{}, false, err
	}
	return view, false, nil
}

func (s *Service) review(ctx context.Context, rev ProcessReviewer, in ReviewInput) (ProcessView, error) {
	for attempt := 1; ; attempt++ {
		if !validID(in.ID) {
			return ProcessView{}, ErrNotFound
		}
		p, err := s.store.GetProcess(ctx, in.ID)
		if err != nil {
			return ProcessView{}, err
		}
		now := s.cfg.Now()
		if !p.Visible(in.Tenant, now) {
			return ProcessView{}, ErrNotFound
		}
		switch {
		case p.Redacted:
			return ProcessView{}, Errorf(KindGone, CodeProcessRedacted, "The process was redacted; it can no longer be reviewed.")
		case p.Review != nil:
			return ProcessView{}, Errorf(KindConflict, CodeProcessNotInReview, "The process was already reviewed; a review is final.")
		case p.Decision.Outcome != OutcomeReview:
			return ProcessView{}, Errorf(KindConflict, CodeProcessNotInReview, "The process's decision is not review; only a process in review can be reviewed.")
		}
		next := p
		next.Review = &Review{Outcome: in.Request.Outcome, Reason: in.Request.Reason, Reviewer: in.Request.Reviewer, DecidedAt: now,
			Replaced: p.Decision}
		next.UpdatedAt, next.Version = now, p.Version+1
		view := storedView(next)
		var ev *OutboundEvent
		if s.async.outbox != nil {
			e := newOutboundEvent(next, now)
			ev = &e
		}
		done := IdempotencyDone{Tenant: in.Tenant, Key: in.IdempotencyKey, KeepUntil: now.Add(s.cfg.IdempotencyTTL),
			Answer: StoredAnswer{Result: reviewAnswer(view)}}
		err = rev.ReviewProcess(settle(ctx), next, p.Version, ev, done)
		if errors.Is(err, ErrConditionFailed) && attempt < reviewAttempts {
			continue // another writer came first: read again (a concurrent review now answers 409)
		}
		if err != nil {
			return ProcessView{}, err
		}
		if o, ok := s.async.observer.(ReviewObserver); ok {
			o.Reviewed(ctx, next.Review.Outcome)
		}
		s.cfg.Log.InfoContext(ctx, "process reviewed", slog.String("processId", p.ID), slog.String("outcome", string(next.Review.Outcome)),
			slog.String("replacedOutcome", string(p.Decision.Outcome)))
		return view, nil
	}
}

// reviewAnswer is the answer kept for the Idempotency-Key: the view without the reason (personal
// data is not copied into idempotency records; a replay reads it back from the process).
func reviewAnswer(v ProcessView) []byte {
	if v.Review != nil {
		r := *v.Review
		r.Reason = ""
		v.Review = &r
	}
	b, _ := json.Marshal(v)
	return b
}

// replayReview answers a repeated review: the stored error, or the stored view with the reason
// read back from the process (absent if the process was redacted since).
func (s *Service) replayReview(ctx context.Context, in ReviewInput, a StoredAnswer) (ProcessView, error) {
	if a.ErrCode != "" {
		return ProcessView{}, &Error{Kind: a.ErrKind, Code: a.ErrCode, Message: a.ErrMessage}
	}
	var v ProcessView
	if err := json.Unmarshal(a.Result, &v); err != nil {
		return ProcessView{}, &Error{Kind: KindInternal, Code: "corrupt_idempotency_record", Message: "Internal error.", Err: err}
	}
	if v.ID != in.ID || v.Review == nil {
		// The key's first use was not a review of this process (the fingerprints differ, so
		// BeginIdempotent answers 422 before this; kept as a guard).
		return ProcessView{}, Errorf(KindUnprocessable, CodeIdempotencyMismatch, "This Idempotency-Key was used with another request.")
	}
	p, err := s.store.GetProcess(ctx, in.ID)
	if err != nil {
		return ProcessView{}, err
	}
	if !p.Visible(in.Tenant, s.cfg.Now()) {
		return ProcessView{}, ErrNotFound
	}
	if p.Review != nil && !p.Redacted {
		r := *v.Review
		r.Reason = p.Review.Reason
		v.Review = &r
	}
	return v, nil
}

// settleReviewKey records a definite refusal for the key (so that a replay answers the same)
// and releases the key when the failure is not the request's fault (the store, a race lost
// again and again), so that the same request can be retried.
func (s *Service) settleReviewKey(ctx context.Context, in ReviewInput, err error) {
	e := AsError(err)
	switch e.Kind {
	case KindNotFound, KindGone, KindInvalid:
		// definite
	case KindConflict:
		if e.Code != CodeProcessNotInReview {
			s.releaseReviewKey(ctx, in)
			return
		}
	default:
		s.releaseReviewKey(ctx, in)
		return
	}
	now := s.cfg.Now()
	done := IdempotencyDone{Tenant: in.Tenant, Key: in.IdempotencyKey, KeepUntil: now.Add(s.cfg.IdempotencyTTL),
		Answer: StoredAnswer{ErrKind: e.Kind, ErrCode: e.Code, ErrMessage: e.Message}}
	if cerr := s.idem.CompleteIdempotent(settle(ctx), done); cerr != nil {
		s.cfg.Log.WarnContext(ctx, "could not record the refused review", slog.String("code", AsError(cerr).Code))
	}
}

func (s *Service) releaseReviewKey(ctx context.Context, in ReviewInput) {
	if rerr := s.idem.ReleaseIdempotent(settle(ctx), in.Tenant, in.IdempotencyKey); rerr != nil {
		s.cfg.Log.WarnContext(ctx, "could not release the idempotency key", slog.String("code", AsError(rerr).Code))
	}
}

// reviewedDecision is the decision a person's review gives.
func reviewedDecision(r *Review) Decision {
	if r.Outcome == OutcomeApproved {
		return decision(OutcomeApproved, reason(ReasonManualReviewApproved, "A person approved the verification after review."))
	}
	return decision(OutcomeRejected, reason(ReasonManualReviewRejected, "A person rejected the verification after review."))
}

// overlayReview shows a reviewed process's decision in v: the person's decision as the
// decision, the review, and the automatic decision it replaced. baseView calls it, so every
// view (reads, list items, create and review answers, outbound events) agrees.
func overlayReview(v *ProcessView, p Process) {
	if p.Review == nil {
		return
	}
	auto := p.Review.Replaced
	if auto.Reasons == nil {
		auto.Reasons = []Reason{}
	}
	v.AutomaticDecision = &auto
	v.Decision = reviewedDecision(p.Review)
	reason := p.Review.Reason
	if p.Redacted {
		reason = ""
	}
	v.Review = &ReviewView{Outcome: p.Review.Outcome, Reviewer: p.Review.Reviewer, Reason: reason, DecidedAt: p.Review.DecidedAt.UTC()}
}

// EventTypeReviewed is the outbound event of a reviewed process.
const EventTypeReviewed = "process.reviewed"

// ReviewedEventID is the outbound event id (webhook-id) of a process's review: distinct from the
// process's first event (EventID), so a receiver that processed process.finished does not take
// process.reviewed for a duplicate.
func ReviewedEventID(processID string) string { return EventID(processID) + "_reviewed" }

// reviewOutbound turns the payload of a reviewed process into process.reviewed (newOutboundEvent
// calls it): the person's decision, the review without its reason (personal data stays out of
// events; GET shows it) and the automatic decision it replaced. It returns the event id.
func reviewOutbound(p Process, v ProcessView, pl *OutboundPayload) string {
	if p.Review == nil {
		return EventID(p.ID)
	}
	pl.Type = EventTypeReviewed
	r := *v.Review
	r.Reason = ""
	pl.Data.Review = &r
	pl.Data.AutomaticDecision = v.AutomaticDecision
	return ReviewedEventID(p.ID)
}

// Codes of the review-queue filters of the list.
const (
	CodeInvalidDecisionFilter = "invalid_decision"
	CodeInvalidReviewedFilter = "invalid_reviewed"
)

// checkReviewFilters validates the list's review filters: decision=review (the queue) and
// reviewed=true|false, which contradict each other when both are given.
func checkReviewFilters(q ListQuery) error {
	if q.Decision != "" && q.Decision != OutcomeReview {
		return invalid(CodeInvalidDecisionFilter, "decision must be review (the processes waiting for a person).")
	}
	if q.Decision == OutcomeReview && q.Reviewed != nil {
		return invalid(CodeInvalidReviewedFilter, "reviewed cannot be combined with decision=review: the queue holds only processes not reviewed yet.")
	}
	return nil
}

// listPage reads one page of a tenant's processes: the review queue's index for
// decision=review, the tenant's processes otherwise.
func (s *Service) listPage(ctx context.Context, q ListQuery) (ListPage, error) {
	if q.Decision != OutcomeReview {
		return s.lister.ListProcesses(ctx, q)
	}
	ql, ok := s.lister.(ReviewQueueLister)
	if !ok {
		return ListPage{}, &Error{Kind: KindInternal, Code: "review_unsupported", Message: "Internal error.",
			Err: errors.New("the process lister has no review queue")}
	}
	page, err := ql.ListReviewQueue(ctx, q)
	if err != nil {
		return ListPage{}, err
	}
	// The index is eventually consistent: hide what was reviewed or redacted a moment ago.
	waiting := page.Processes[:0]
	for _, p := range page.Processes {
		if p.AwaitingReview() {
			waiting = append(waiting, p)
		}
	}
	page.Processes = waiting
	return page, nil
}
