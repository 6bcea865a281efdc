package gateway

import (
	"context"
	"time"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unicobudget"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// observer turns what the domain and the Unico client report into CloudWatch embedded-metric-
// format lines on the function's output (shared/metrics): one emitter per container, namespace
// metrics.Namespace, dimension Stack (STACK_NAME), and at most one more dimension whose values
// are constants (an outcome, a status class). It is the only metrics writer of the functions;
// the HTTP middleware (shared/httpapi) and the token observer (shared/tokenshare) write through
// the same emitter.
type observer struct{ em *metrics.Emitter }

var (
	_ domain.Metrics           = observer{}
	_ domain.Observer          = observer{}
	_ domain.ReviewObserver    = observer{}
	_ unicoclient.CallObserver = observer{}
	_ unicobudget.Observer     = observer{}
)

func newEmitter(cfg Config, o Options) *metrics.Emitter {
	stack := cfg.StackName
	if stack == "" {
		stack = "local"
	}
	em := metrics.New(o.LogOutput, metrics.Namespace, map[string]string{metrics.DimensionStack: stack})
	em.SetClock(o.Now)
	return em
}

// Count is the asynchronous side's counters (webhooks recorded, sweeps, outbound events).
func (m observer) Count(_ context.Context, name string, n int) {
	if n != 0 {
		m.em.Count(name, float64(n))
	}
}

// Decided counts a final decision by outcome.
func (m observer) Decided(_ context.Context, outcome domain.Outcome) {
	m.em.EmitDim(metrics.DimensionOutcome, outcomeValue(outcome), metrics.Metric{Name: metrics.Decisions, Value: 1, Unit: metrics.Count})
}

// Reviewed counts a person's review by its outcome (domain.ReviewObserver).
func (m observer) Reviewed(_ context.Context, outcome domain.Outcome) {
	m.em.EmitDim(metrics.DimensionOutcome, outcomeValue(outcome), metrics.Metric{Name: metrics.Reviews, Value: 1, Unit: metrics.Count})
}

// WebhookLag records the time from Unico's finishedAt to the worker's recording.
func (m observer) WebhookLag(_ context.Context, lag time.Duration) {
	m.em.Emit(metrics.Metric{Name: metrics.WebhookLag, Value: ms(lag), Unit: metrics.Milliseconds})
}

// UnicoCall counts one exchange with Unico by status class, with its latency.
func (m observer) UnicoCall(_ context.Context, _ string, status int, d time.Duration) {
	m.em.EmitDim(metrics.DimensionStatus, metrics.StatusClass(status),
		metrics.Metric{Name: metrics.UnicoCalls, Value: 1, Unit: metrics.Count},
		metrics.Metric{Name: metrics.UnicoCallLatency, Value: ms(d), Unit: metrics.Milliseconds})
}

// Permit records a permit of the Unico budget and its wait (unicobudget.Observer).
func (m observer) Permit(p unicobudget.Priority, waited time.Duration) {
	m.em.EmitDim(metrics.DimensionPriority, p.String(),
		metrics.Metric{Name: metrics.UnicoBudgetPermits, Value: 1, Unit: metrics.Count},
		metrics.Metric{Name: metrics.UnicoBudgetWait, Value: ms(waited), Unit: metrics.Milliseconds})
}

// Refused counts a call the Unico budget refused.
func (m observer) Refused(p unicobudget.Priority) {
	m.em.EmitDim(metrics.DimensionPriority, p.String(), metrics.Metric{Name: metrics.UnicoBudgetExhausted, Value: 1, Unit: metrics.Count})
}

// Paused counts a 429 of Unico's that paused the budget.
func (m observer) Paused(time.Duration, error) {
	m.em.Count(metrics.UnicoBudgetPaused, 1)
}

// outcomeValue keeps the Outcome dimension to the five outcomes the domain defines.
func outcomeValue(o domain.Outcome) string {
	switch o {
	case domain.OutcomeApproved, domain.OutcomeRejected, domain.OutcomeRetry, domain.OutcomeReview, domain.OutcomePending:
		return string(o)
	}
	return metrics.OtherValue
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
