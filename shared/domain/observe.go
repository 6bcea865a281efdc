package domain

import (
	"context"
	"time"
)

// Observer is told about what operators measure in the domain (CloudWatch embedded metric
// format in Lambda: shared/gateway adapts shared/metrics to it). It receives enums and
// durations, never process data. Calls are synchronous: implementations must be quick, safe for
// concurrent use and never fail.
type Observer interface {
	// Decided: a process reached a final state with this decision (once per process: the
	// conditional write that made it final succeeded).
	Decided(ctx context.Context, outcome Outcome)
	// WebhookLag: the worker recorded the final state a webhook announced, lag after Unico
	// finished the process (Unico's finishedAt).
	WebhookLag(ctx context.Context, lag time.Duration)
}

type nopObserver struct{}

func (nopObserver) Decided(context.Context, Outcome)          {}
func (nopObserver) WebhookLag(context.Context, time.Duration) {}

// observeFinal reports a process that has just become final.
func (s *Service) observeFinal(ctx context.Context, prev, next Process) {
	if !prev.State.Final() && next.State.Final() {
		s.async.observer.Decided(ctx, next.Decision.Outcome)
	}
}

// observeWebhookLag reports how long after Unico's finishedAt the worker recorded a final state.
func (s *Service) observeWebhookLag(ctx context.Context, p Process, now time.Time) {
	if p.State.Final() && !p.FinishedAt.IsZero() && !now.Before(p.FinishedAt) {
		s.async.observer.WebhookLag(ctx, now.Sub(p.FinishedAt))
	}
}
