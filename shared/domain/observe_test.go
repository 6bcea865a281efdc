package domain

import (
	"context"
	"testing"
	"time"
)

type observed struct {
	outcomes []Outcome
	lags     []time.Duration
}

func (o *observed) Decided(_ context.Context, out Outcome)          { o.outcomes = append(o.outcomes, out) }
func (o *observed) WebhookLag(_ context.Context, lag time.Duration) { o.lags = append(o.lags, lag) }

// A decision is observed once, on the transition to a final state; the lag only for a final
// process with Unico's finishedAt not in the future.
func TestObserverTransitions(t *testing.T) {
	obs := &observed{}
	s := NewService(Deps{Observer: obs}, Config{})
	ctx := context.Background()
	open := Process{State: StateCreated, Decision: Decision{Outcome: OutcomePending}}
	final := Process{State: StateFinished, Decision: Decision{Outcome: OutcomeRejected}}
	failed := Process{State: StateFailed, Decision: Decision{Outcome: OutcomeRetry}}
	s.observeFinal(ctx, open, open)
	s.observeFinal(ctx, open, final)
	s.observeFinal(ctx, final, final)
	s.observeFinal(ctx, Process{}, failed) // a by-Client create answered final
	if len(obs.outcomes) != 2 || obs.outcomes[0] != OutcomeRejected || obs.outcomes[1] != OutcomeRetry {
		t.Fatalf("decisions %v", obs.outcomes)
	}

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	final.FinishedAt = now.Add(-1500 * time.Millisecond)
	s.observeWebhookLag(ctx, final, now)
	s.observeWebhookLag(ctx, Process{State: StateFinished}, now)                                 // no finishedAt
	s.observeWebhookLag(ctx, Process{State: StateFinished, FinishedAt: now.Add(time.Hour)}, now) // clock skew
	s.observeWebhookLag(ctx, Process{State: StateCreated, FinishedAt: now.Add(-time.Hour)}, now)
	if len(obs.lags) != 1 || obs.lags[0] != 1500*time.Millisecond {
		t.Fatalf("lags %v", obs.lags)
	}
	// Without an observer nothing breaks.
	NewService(Deps{}, Config{}).observeFinal(ctx, open, final)
}
