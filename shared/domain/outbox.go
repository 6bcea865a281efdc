package domain

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// OutboundPayload is the body POSTed to a tenant's callback (Standard Webhooks' recommended
// shape: type, timestamp, data). It holds no personal data: ids, states and the decision.
type OutboundPayload struct {
	Type      string       `json:"type"`
	Timestamp time.Time    `json:"timestamp"`
	Data      OutboundData `json:"data"`
}

// OutboundData describes the process that became final, as GET /v1/processes/{id} would
// (without the results read live from Unico: fetch them with GET when needed).
type OutboundData struct {
	ID              string      `json:"id"`
	Integration     Integration `json:"integration"`
	Flow            string      `json:"flow"`
	State           State       `json:"state"`
	Decision        Decision    `json:"decision"`
	Unico           UnicoStatus `json:"unico"`
	ClientReference string      `json:"clientReference,omitempty"`
	CreatedAt       time.Time   `json:"createdAt"`
	FinishedAt      *time.Time  `json:"finishedAt,omitempty"`
	// process.reviewed (review.go): the review (without its reason) and the decision it replaced.
	Review            *ReviewView `json:"review,omitempty"`
	AutomaticDecision *Decision   `json:"automaticDecision,omitempty"`
}

// EventID is the outbound event id of a process (the webhook-id header): one event per process.
func EventID(processID string) string { return "evt_" + processID }

// finalEvent returns the outbound event to write with next when the write makes the process
// final (and the outbox is configured).
func (s *Service) finalEvent(prev, next Process) (OutboundEvent, bool) {
	if s.async.outbox == nil || prev.State.Final() || !next.State.Final() {
		return OutboundEvent{}, false
	}
	return newOutboundEvent(next, next.UpdatedAt), true
}

func newOutboundEvent(p Process, now time.Time) OutboundEvent {
	v := baseView(p)
	pl := OutboundPayload{Type: "process." + string(p.State), Timestamp: p.UpdatedAt.UTC(), Data: OutboundData{
		ID: p.ID, Integration: p.Integration, Flow: p.Flow, State: p.State, Decision: v.Decision,
		Unico: UnicoStatus{State: p.UnicoState, Result: p.UnicoResult}, ClientReference: p.ClientReference,
		CreatedAt: p.CreatedAt.UTC(), FinishedAt: v.FinishedAt,
	}}
	if pl.Timestamp.IsZero() {
		pl.Timestamp = now.UTC()
	}
	id := reviewOutbound(p, v, &pl)
	body, _ := json.Marshal(pl)
	return OutboundEvent{ID: id, ProcessID: p.ID, Tenant: p.Tenant, Type: pl.Type, Payload: body,
		Status: EventPending, NextAttemptAt: now, CreatedAt: now, KeepUntil: p.RetainUntil}
}

// ReplayResult answers POST /v1/processes/{id}/notifications.
type ReplayResult struct {
	EventID string      `json:"eventId"`
	Status  EventStatus `json:"status"`
}

// Codes of the replay.
const (
	CodeProcessNotFinal       = "process_not_final"
	CodeCallbackNotConfigured = "callback_not_configured"
)

// ReplayNotification queues the outbound event of a tenant's final process again, whatever
// happened to it (delivered, parked, never sent for want of a callback): same id, same payload,
// a fresh series of attempts. A receiver that already processed it recognises the id.
func (s *Service) ReplayNotification(ctx context.Context, tenant, id string) (ReplayResult, error) {
	if s.async.outbox == nil {
		return ReplayResult{}, &Error{Kind: KindInternal, Code: "outbox_not_configured", Message: "Internal error."}
	}
	if !validID(id) {
		return ReplayResult{}, ErrNotFound
	}
	p, err := s.store.GetProcess(ctx, id)
	if err != nil {
		return ReplayResult{}, err
	}
	if !p.Visible(tenant, s.cfg.Now()) {
		return ReplayResult{}, ErrNotFound
	}
	if !p.State.Final() {
		return ReplayResult{}, Errorf(KindConflict, CodeProcessNotFinal, "The process is not final yet; its event is sent when it is.")
	}
	if s.async.callbacks != nil {
		if _, ok := s.async.callbacks(tenant); !ok {
			return ReplayResult{}, Errorf(KindConflict, CodeCallbackNotConfigured, "No callback URL is configured for this tenant.")
		}
	}
	now := s.cfg.Now()
	ev, err := s.async.outbox.GetEvent(ctx, id)
	switch {
	case errors.Is(err, ErrEventNotFound):
		ev = newOutboundEvent(p, now) // a process that became final before the outbox existed
	case err != nil:
		return ReplayResult{}, err
	}
	ev.Status, ev.Attempts, ev.NextAttemptAt, ev.LastError, ev.DeliveredAt = EventPending, 0, now, "", time.Time{}
	if ev.KeepUntil.IsZero() {
		ev.KeepUntil = p.RetainUntil
	}
	if err := s.async.outbox.PutEvent(ctx, ev); err != nil {
		return ReplayResult{}, err
	}
	s.cfg.Log.InfoContext(ctx, "outbound event requeued", slog.String("processId", id), slog.String("eventId", ev.ID))
	return ReplayResult{EventID: ev.ID, Status: EventPending}, nil
}

// NotifierConfig tunes the outbound deliveries.
type NotifierConfig struct {
	// Backoff is the pause after each failed attempt; an event gets len(Backoff)+1 attempts and
	// is parked after the last one fails. Default DefaultOutboundBackoff (about 27 hours).
	Backoff []time.Duration
	// Lease is how long an attempt holds the event: if it never settles (the sender died), the
	// event is due again after it. Default 2 minutes (above the sender's timeout).
	Lease       time.Duration
	Concurrency int // deliveries in parallel in Dispatch; default 4
	Now         func() time.Time
	Log         *slog.Logger
	Metrics     Metrics
}

// DefaultOutboundBackoff follows the Standard Webhooks example schedule, shortened: attempts
// at 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous one (eight attempts over
// about 27 hours), each pause jittered by up to ±10 %.
var DefaultOutboundBackoff = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Notifier delivers outbound events: the first attempt as soon as the event is written (the
// table's stream), the next ones when due (a schedule runs Dispatch).
type Notifier struct {
	store     OutboxStore
	sender    EventSender
	callbacks Callbacks
	cfg       NotifierConfig
}

// NewNotifier wires a notifier.
func NewNotifier(store OutboxStore, sender EventSender, callbacks Callbacks, cfg NotifierConfig) *Notifier {
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultOutboundBackoff
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopMetrics{}
	}
	if callbacks == nil {
		callbacks = func(string) (Callback, bool) { return Callback{}, false }
	}
	return &Notifier{store: store, sender: sender, callbacks: callbacks, cfg: cfg}
}

// Deliver makes one attempt at a process's event if it is pending and due. Another attempt
// running at the same time loses the claim and returns. It returns an error only when the
// store failed (the caller retries); a failed attempt is recorded and retried later.
func (n *Notifier) Deliver(ctx context.Context, processID string) error {
	ev, err := n.store.GetEvent(ctx, processID)
	if errors.Is(err, ErrEventNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := n.cfg.Now()
	if ev.Status != EventPending || ev.NextAttemptAt.After(now) {
		return nil
	}
	log := n.cfg.Log.With(slog.String("processId", ev.ProcessID), slog.String("eventId", ev.ID), slog.String("tenant", ev.Tenant))
	cb, ok := n.callbacks(ev.Tenant)
	if !ok {
		ev.Status, ev.NextAttemptAt = EventNoCallback, time.Time{}
		if err := n.store.SettleEvent(ctx, ev); err != nil && !errors.Is(err, ErrConditionFailed) {
			return err
		}
		log.InfoContext(ctx, "outbound event not sent: the tenant has no callback URL")
		return nil
	}
	last := ev.Attempts >= len(n.cfg.Backoff)
	if ev.Attempts > len(n.cfg.Backoff) {
		// A final attempt that never settled: park without another try.
		return n.park(ctx, log, ev, "attempts_exhausted")
	}
	lease := now.Add(n.cfg.Lease)
	if !last {
		lease = now.Add(max(n.jittered(n.cfg.Backoff[ev.Attempts]), n.cfg.Lease))
	}
	if err := n.store.ClaimEvent(ctx, processID, ev.Attempts, lease); err != nil {
		if errors.Is(err, ErrConditionFailed) {
			return nil // another attempt has it
		}
		return err
	}
	ev.Attempts++
	res := n.sender.Send(ctx, cb, ev)
	now = n.cfg.Now()
	switch {
	case res.Delivered:
		ev.Status, ev.DeliveredAt, ev.NextAttemptAt, ev.LastError = EventDelivered, now, time.Time{}, ""
		if err := n.store.SettleEvent(ctx, ev); err != nil && !errors.Is(err, ErrConditionFailed) {
			return err
		}
		n.cfg.Metrics.Count(ctx, MetricOutboundDelivered, 1)
		log.InfoContext(ctx, "outbound event delivered", slog.Int("attempt", ev.Attempts))
		return nil
	case res.Permanent || last:
		n.cfg.Metrics.Count(ctx, MetricOutboundFailed, 1)
		return n.park(ctx, log, ev, res.Code)
	}
	n.cfg.Metrics.Count(ctx, MetricOutboundFailed, 1)
	ev.LastError = res.Code
	ev.NextAttemptAt = now.Add(n.jittered(n.cfg.Backoff[ev.Attempts-1]))
	if ra := now.Add(res.RetryAfter); res.RetryAfter > 0 && ra.After(ev.NextAttemptAt) {
		ev.NextAttemptAt = ra
	}
	if err := n.store.SettleEvent(ctx, ev); err != nil && !errors.Is(err, ErrConditionFailed) {
		return err
	}
	log.WarnContext(ctx, "outbound attempt failed", slog.Int("attempt", ev.Attempts), slog.String("code", res.Code),
		slog.Time("nextAttemptAt", ev.NextAttemptAt))
	return nil
}

// park is the outbox's dead letter: the event stays, marked parked (listed in the store's
// parked index), counted by a metric with an alarm; POST .../notifications requeues it.
func (n *Notifier) park(ctx context.Context, log *slog.Logger, ev OutboundEvent, code string) error {
	ev.Status, ev.LastError, ev.NextAttemptAt = EventParked, code, n.cfg.Now()
	if err := n.store.SettleEvent(ctx, ev); err != nil && !errors.Is(err, ErrConditionFailed) {
		return err
	}
	n.cfg.Metrics.Count(ctx, MetricOutboundParked, 1)
	log.ErrorContext(ctx, "outbound event parked: every attempt failed", slog.Int("attempts", ev.Attempts), slog.String("code", code))
	return nil
}

func (n *Notifier) jittered(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// DispatchReport says what a Dispatch run did.
type DispatchReport struct {
	Due    int `json:"due"`
	Errors int `json:"errors"`
}

// Dispatch makes one attempt at every event that is due (up to limit), a few in parallel.
func (n *Notifier) Dispatch(ctx context.Context, limit int) (DispatchReport, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := n.store.DueEvents(ctx, n.cfg.Now(), limit)
	if err != nil {
		return DispatchReport{}, err
	}
	rep := DispatchReport{Due: len(ids)}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, n.cfg.Concurrency)
	)
	for _, id := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := n.Deliver(ctx, id); err != nil {
				mu.Lock()
				rep.Errors++
				mu.Unlock()
				n.cfg.Log.WarnContext(ctx, "outbound dispatch failed", slog.String("processId", id), slog.String("code", AsError(err).Code))
			}
		}()
	}
	wg.Wait()
	return rep, nil
}

// OutboxCreator is implemented by stores that can create a process that is final from the
// start (a synchronous by-Client answer) together with its outbound event, in the same
// transaction as the process and its Idempotency-Key.
type OutboxCreator interface {
	CreateProcessWithEvent(ctx context.Context, p Process, done *IdempotencyDone, ev OutboundEvent) error
}

// createProcess records a new process; one that is already final gets its outbound event in
// the same transaction, so a tenant's backend hears of every final verification, however it
// became final.
func (s *Service) createProcess(ctx context.Context, p Process, done *IdempotencyDone) error {
	if oc, ok := s.store.(OutboxCreator); ok && s.async.outbox != nil && p.State.Final() {
		return oc.CreateProcessWithEvent(ctx, p, done, newOutboundEvent(p, p.UpdatedAt))
	}
	return s.store.CreateProcess(ctx, p, done)
}
