package domain

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// asyncDeps are the Service's ports for the asynchronous side (async.go).
type asyncDeps struct {
	deliveries DeliveryStore
	outbox     OutboxStore
	sweeps     SweepStore
	callbacks  Callbacks
	metrics    Metrics
	observer   Observer
}

func newAsyncDeps(d Deps) asyncDeps {
	a := asyncDeps{deliveries: d.Deliveries, outbox: d.Outbox, sweeps: d.Sweeps, callbacks: d.Callbacks, metrics: d.Metrics, observer: d.Observer}
	if a.metrics == nil {
		a.metrics = nopMetrics{}
	}
	if a.observer == nil {
		a.observer = nopObserver{}
	}
	return a
}

// Defaults of the asynchronous side.
const (
	DefaultSweepAfter       = 15 * time.Minute
	DefaultSweepMaxInterval = 6 * time.Hour
	DefaultDeliveryKeep     = 7 * 24 * time.Hour
	// expiryGrace: a process is checked this long after Unico's expiry, when Unico has had
	// time to mark it expired.
	expiryGrace = time.Minute
)

func asyncDefaults(cfg Config) Config {
	if cfg.SweepAfter <= 0 {
		cfg.SweepAfter = DefaultSweepAfter
	}
	if cfg.SweepMaxInterval < cfg.SweepAfter {
		cfg.SweepMaxInterval = max(DefaultSweepMaxInterval, cfg.SweepAfter)
	}
	if cfg.DeliveryKeep <= 0 {
		cfg.DeliveryKeep = DefaultDeliveryKeep
	}
	return cfg
}

// syncOutcome says what one synchronisation did.
type syncOutcome int

const (
	syncSkipped   syncOutcome = iota // nothing to do: unknown, final, redacted, or checked meanwhile
	syncUnchanged                    // Unico says what the store says
	syncProgress                     // the state moved forward, still open
	syncFinal                        // the state became final (and its outbound event was written)
)

// SyncProcess brings a process up to date after Unico announced a change: it reads the process
// from Unico and records its state with a conditional write (a lost race is re-read, up to three
// times). It is what the worker runs for every recorded webhook delivery; running it twice, or
// for deliveries that arrived out of order, changes nothing twice: the state only moves forward
// and an unchanged process is not written. It returns an error only when a retry may succeed
// (Unico or the store unavailable); a process that Unico or the store does not know is logged
// and dropped.
func (s *Service) SyncProcess(ctx context.Context, id string) error {
	_, err := s.syncProcess(ctx, id, false)
	return err
}

func (s *Service) syncProcess(ctx context.Context, id string, sweep bool) (syncOutcome, error) {
	for attempt := 0; attempt < 3; attempt++ {
		p, err := s.store.GetProcess(ctx, id)
		if errors.Is(err, ErrNotFound) {
			s.cfg.Log.WarnContext(ctx, "sync: no such process in the store", slog.String("processId", id))
			return syncSkipped, nil
		}
		if err != nil {
			return syncSkipped, err
		}
		now := s.cfg.Now()
		if p.State.Final() || p.Redacted || (!p.RetainUntil.IsZero() && !now.Before(p.RetainUntil)) {
			return syncSkipped, nil // past its retention the process is as good as deleted (TTL is lazy)
		}
		if sweep && p.NextSweepAt.After(now) {
			return syncSkipped, nil // a webhook or another sweep got there first
		}
		next, _, err := s.readFromUnico(ctx, p)
		if err != nil {
			e := unicoError(err)
			if !retryable(e) {
				// Unico does not know the process or refuses to show it: retrying now will not
				// help. The sweeper looks again later.
				s.cfg.Log.WarnContext(ctx, "sync: Unico refused the process read", slog.String("processId", id), slog.String("code", e.Code))
				if sweep {
					s.postponeSweep(ctx, p, now)
				}
				return syncSkipped, nil
			}
			return syncSkipped, e
		}
		progressed := changed(p, next)
		if !progressed && !sweep {
			return syncUnchanged, nil
		}
		if !next.State.Final() {
			next.NextSweepAt = s.nextSweep(next, now, progressed)
		}
		if progressed {
			err = s.advance(ctx, p, &next)
		} else {
			err = s.reschedule(ctx, p, next)
		}
		if errors.Is(err, ErrConditionFailed) {
			continue
		}
		if err != nil {
			return syncSkipped, err
		}
		switch {
		case next.State.Final():
			s.async.metrics.Count(ctx, MetricProcessSynced, 1)
			if !sweep {
				s.observeWebhookLag(ctx, next, s.cfg.Now())
			}
			s.cfg.Log.InfoContext(ctx, "process final", slog.String("processId", id), slog.String("state", string(next.State)),
				slog.String("outcome", string(next.Decision.Outcome)), slog.Bool("sweeper", sweep))
			return syncFinal, nil
		case progressed:
			s.async.metrics.Count(ctx, MetricProcessSynced, 1)
			s.cfg.Log.InfoContext(ctx, "process updated", slog.String("processId", id), slog.String("state", string(next.State)), slog.Bool("sweeper", sweep))
			return syncProgress, nil
		}
		return syncUnchanged, nil
	}
	return syncSkipped, &Error{Kind: KindConflict, Code: CodeConflict, Message: "The process kept changing; retry.", RetryAfter: time.Second}
}

// retryable reports whether an error may go away by itself (so a delivery is retried).
func retryable(e *Error) bool {
	switch e.Kind {
	case KindNotFound, KindInvalid, KindForbidden, KindUnprocessable, KindGone:
		return false
	}
	return true
}

// reschedule records a sweeper check that found nothing new: the next check's time (and what
// Unico said that changes no state) with a conditional write that keeps UpdatedAt, since
// nothing the tenant sees has changed.
func (s *Service) reschedule(ctx context.Context, prev, next Process) error {
	next.UpdatedAt = prev.UpdatedAt
	next.Version = prev.Version + 1
	return s.store.UpdateProcess(ctx, next, prev.Version)
}

// postponeSweep moves an open process's next sweeper check later without other change, so that
// a process Unico will not show does not use the sweeper's budget on every run.
func (s *Service) postponeSweep(ctx context.Context, p Process, now time.Time) {
	next := p
	next.NextSweepAt = s.nextSweep(p, now, false)
	if err := s.reschedule(ctx, p, next); err != nil && !errors.Is(err, ErrConditionFailed) {
		s.cfg.Log.WarnContext(ctx, "sweeper: could not postpone the next check", slog.String("processId", p.ID), slog.Any("err", err))
	}
}

// firstSweep is when the sweeper first looks at a new process: SweepAfter after its creation,
// or just after Unico's expiry if that comes sooner.
func (s *Service) firstSweep(p Process) time.Time {
	return capAtExpiry(p.CreatedAt.Add(s.cfg.SweepAfter), p, p.CreatedAt)
}

// nextSweep is when the sweeper should look again at an open process it has just checked. A
// process that moved is treated like a new one; one that did not is checked less and less often
// (a quarter of its age, between SweepAfter and SweepMaxInterval), but always just after its
// expiry at Unico, when Unico reports the final EXPIRED result.
func (s *Service) nextSweep(p Process, now time.Time, progressed bool) time.Time {
	interval := s.cfg.SweepAfter
	if !progressed {
		interval = min(max(now.Sub(p.CreatedAt)/4, s.cfg.SweepAfter), s.cfg.SweepMaxInterval)
	}
	return capAtExpiry(now.Add(interval), p, now)
}

func capAtExpiry(t time.Time, p Process, now time.Time) time.Time {
	if exp := p.UnicoExpiresAt; !exp.IsZero() && exp.After(now) && t.After(exp.Add(expiryGrace)) {
		return exp.Add(expiryGrace)
	}
	return t
}
