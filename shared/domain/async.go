package domain

import (
	"context"
	"time"
)

// This file holds the ports and types of the gateway's asynchronous side: webhook deliveries
// recorded before they are acknowledged, the synchronisation that follows them, the sweeper
// that covers lost webhooks, and the outbox of events sent to the tenants' backends.
//
// The flow (see README "Webhooks, sweeper and outbound events"):
//
//	POST /webhooks/unico ──RecordUnicoWebhook──▶ delivery item (one conditional write) ──▶ 200
//	table stream (INSERT of a delivery) ──▶ worker: SyncProcess (GetProcess at Unico, record state)
//	schedule ──▶ sweeper: Sweep (open processes whose NextSweepAt passed, within a rate budget)
//	a process turning final ──▶ outbox event written in the same transaction as the state
//	table stream (INSERT of an event) and schedule ──▶ notifier: Deliver / Dispatch (signed POST,
//	retries with back-off, parked after the last attempt); POST .../notifications requeues it.

// Delivery is one webhook delivery, recorded before Unico gets its 2xx.
type Delivery struct {
	ProcessID  string
	Key        string    // identifies the delivery's content: the same content is recorded once
	UnicoState string    // the payload's state (an enum, sanitised), kept for the audit trail
	Event      string    // the payload's lastEvent or by-Client event (an enum, sanitised)
	ReceivedAt time.Time // when the gateway received it
	KeepUntil  time.Time // when the record may be forgotten (TTL); duplicates are caught until then
}

// DeliveryOutcome says what RecordDelivery did.
type DeliveryOutcome int

const (
	DeliveryRecorded       DeliveryOutcome = iota + 1 // new: the worker will synchronise the process
	DeliveryDuplicate                                 // the same delivery was recorded before
	DeliveryProcessFinal                              // the process is already final: nothing to do
	DeliveryUnknownProcess                            // no such process here
)

func (o DeliveryOutcome) String() string {
	switch o {
	case DeliveryRecorded:
		return "recorded"
	case DeliveryDuplicate:
		return "duplicate"
	case DeliveryProcessFinal:
		return "process_final"
	case DeliveryUnknownProcess:
		return "unknown_process"
	}
	return "unknown"
}

// DeliveryStore records webhook deliveries.
type DeliveryStore interface {
	// RecordDelivery stores d with one conditional write, only if its process exists and is
	// open and no delivery with the same Key was recorded.
	RecordDelivery(ctx context.Context, d Delivery) (DeliveryOutcome, error)
}

// SweepStore finds the processes the sweeper should look at.
type SweepStore interface {
	// DueForSweep returns the ids of open processes whose NextSweepAt is at or before now,
	// the longest overdue first.
	DueForSweep(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// EventStatus is where an outbound event stands.
type EventStatus string

const (
	EventPending    EventStatus = "pending"     // to be delivered at NextAttemptAt
	EventDelivered  EventStatus = "delivered"   // the tenant's backend answered 2xx
	EventParked     EventStatus = "parked"      // every attempt failed (the dead-letter state); replay requeues it
	EventNoCallback EventStatus = "no_callback" // the tenant has no callback URL; replay requeues it
)

// OutboundEvent is one event for a tenant's backend: a process became final. It is written in
// the same transaction as the state change (the outbox), so a final state never exists without
// its event. The payload is fixed when the event is written: every attempt sends the same bytes
// under the same id.
type OutboundEvent struct {
	ID            string // the webhook-id header: the same for every attempt and replay
	ProcessID     string
	Tenant        string
	Type          string // process.finished, process.failed, process.canceled
	Payload       []byte // JSON, see OutboundPayload
	Status        EventStatus
	Attempts      int       // attempts made so far
	NextAttemptAt time.Time // when a pending event is due
	LastError     string    // a code, never a response body: http_503, timeout, connect, ...
	CreatedAt     time.Time
	DeliveredAt   time.Time
	KeepUntil     time.Time // TTL, the process's retention
}

// OutboxStore keeps the outbound events (one per process).
type OutboxStore interface {
	// UpdateProcessWithEvent is UpdateProcess plus the insertion of ev, in one transaction.
	UpdateProcessWithEvent(ctx context.Context, next Process, prevVersion int64, ev OutboundEvent) error
	// GetEvent reads the event of a process (ErrEventNotFound when there is none).
	GetEvent(ctx context.Context, processID string) (OutboundEvent, error)
	// DueEvents returns the process ids of pending events due at now, the oldest first.
	DueEvents(ctx context.Context, now time.Time, limit int) ([]string, error)
	// ClaimEvent takes an attempt: Attempts becomes prevAttempts+1 and NextAttemptAt retryAt
	// (a lease: if the attempt never settles, the event is due again then), only if the event
	// is pending with prevAttempts attempts (ErrConditionFailed otherwise).
	ClaimEvent(ctx context.Context, processID string, prevAttempts int, retryAt time.Time) error
	// SettleEvent records an attempt's outcome (Status, NextAttemptAt, LastError, DeliveredAt)
	// if the event still has ev.Attempts attempts (ErrConditionFailed otherwise).
	SettleEvent(ctx context.Context, ev OutboundEvent) error
	// PutEvent writes ev as given (a replay: pending, no attempts).
	PutEvent(ctx context.Context, ev OutboundEvent) error
}

// ErrEventNotFound is returned by GetEvent when a process has no outbound event.
var ErrEventNotFound = &Error{Kind: KindNotFound, Code: "event_not_found", Message: "No outbound event for this process."}

// Callback is where a tenant's backend receives events. The signing secret is the sender's
// business (an adapter reads it from Secrets Manager).
type Callback struct {
	URL string
}

// Callbacks tells the tenants' callbacks; a tenant without one gets no events.
type Callbacks func(tenant string) (Callback, bool)

// SendResult is the outcome of one delivery attempt.
type SendResult struct {
	Delivered  bool          // a 2xx answer
	Permanent  bool          // the receiver asked to stop (410 Gone): park at once
	Code       string        // why it failed: http_<status>, timeout, connect, secret_unavailable...
	RetryAfter time.Duration // the receiver's Retry-After, if any
}

// EventSender delivers one event to a tenant's callback (signing it).
type EventSender interface {
	Send(ctx context.Context, cb Callback, ev OutboundEvent) SendResult
}

// Metrics counts what the asynchronous side does (CloudWatch embedded metric format in
// Lambda). Names are stable: alarms refer to them.
type Metrics interface {
	Count(ctx context.Context, name string, n int)
}

// Metric names.
const (
	MetricWebhookRecorded   = "WebhookRecorded"
	MetricWebhookDuplicate  = "WebhookDuplicate"
	MetricWebhookUnknown    = "WebhookUnknownProcess"
	MetricProcessSynced     = "ProcessSynced"
	MetricSweepChecked      = "SweepChecked"
	MetricSweepClosed       = "SweepClosed"
	MetricSweepErrors       = "SweepErrors"
	MetricOutboundDelivered = "OutboundDelivered"
	MetricOutboundFailed    = "OutboundAttemptFailed"
	MetricOutboundParked    = "OutboundParked"
)

type nopMetrics struct{}

func (nopMetrics) Count(context.Context, string, int) {}
