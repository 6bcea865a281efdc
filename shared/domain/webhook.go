package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
)

// UnicoWebhook is one delivery from Unico, in either documented shape: by Unico
// {processId, state, flow, lastEvent} or by Client {eventDate, event, data{id, status}}.
// It carries no result: the result is always fetched from Unico.
type UnicoWebhook struct {
	ProcessID string
	State     string
	Flow      string
	LastEvent string
	Event     string // by Client
	EventDate string // by Client
}

type webhookWire struct {
	ProcessID string `json:"processId"`
	State     string `json:"state"`
	Flow      string `json:"flow"`
	LastEvent string `json:"lastEvent"`
	EventDate string `json:"eventDate"`
	Event     string `json:"event"`
	Data      *struct {
		ID string `json:"id"`
	} `json:"data"`
}

// ParseUnicoWebhook reads a delivery; anything without a process id is a 400.
func ParseUnicoWebhook(body []byte) (UnicoWebhook, error) {
	var w webhookWire
	if err := json.Unmarshal(body, &w); err != nil {
		return UnicoWebhook{}, invalid("invalid_webhook", "The webhook body is not the JSON Unico sends.")
	}
	ev := UnicoWebhook{ProcessID: strings.TrimSpace(w.ProcessID), State: w.State, Flow: w.Flow, LastEvent: w.LastEvent, Event: w.Event, EventDate: w.EventDate}
	if ev.ProcessID == "" && w.Data != nil {
		ev.ProcessID = strings.TrimSpace(w.Data.ID)
	}
	if !validID(ev.ProcessID) {
		return UnicoWebhook{}, invalid("invalid_webhook", "The webhook carries no valid process id.")
	}
	return ev, nil
}

// DeliveryKey identifies a delivery by its content: Unico redelivering the same notification
// (at least once) produces the same key, a different notification (another state, event or
// date) another one.
func (w UnicoWebhook) DeliveryKey() string {
	h := sha256.New()
	for _, f := range []string{strings.ToLower(w.ProcessID), w.State, w.Flow, w.LastEvent, w.Event, w.EventDate} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// WebhookReceipt is what the webhook answers once the delivery is durable.
type WebhookReceipt struct {
	Status string `json:"status"` // accepted, duplicate, already_final, unknown_process
}

// RecordUnicoWebhook makes a delivery durable with one conditional write and returns; the
// process is brought up to date afterwards by SyncProcess (the worker, driven by the table's
// stream) and, should that be lost too, by the sweeper. The payload carries no result and is
// not trusted: only the process id matters. Repeated deliveries are recorded once; deliveries
// for a final process change nothing; a delivery for a process this gateway does not know is
// acknowledged (Unico would retry it for ever otherwise) and logged by id only.
func (s *Service) RecordUnicoWebhook(ctx context.Context, ev UnicoWebhook) (WebhookReceipt, error) {
	if s.async.deliveries == nil {
		return WebhookReceipt{}, &Error{Kind: KindInternal, Code: "webhooks_not_configured", Message: "Internal error."}
	}
	now := s.cfg.Now()
	event := ev.LastEvent
	if event == "" {
		event = ev.Event
	}
	out, err := s.async.deliveries.RecordDelivery(ctx, Delivery{ProcessID: ev.ProcessID, Key: ev.DeliveryKey(),
		UnicoState: safeEnum(ev.State), Event: safeEnum(event), ReceivedAt: now, KeepUntil: now.Add(s.cfg.DeliveryKeep)})
	if err != nil {
		return WebhookReceipt{}, err
	}
	log := s.cfg.Log.With(slog.String("processId", ev.ProcessID), slog.String("outcome", out.String()))
	switch out {
	case DeliveryRecorded:
		s.async.metrics.Count(ctx, MetricWebhookRecorded, 1)
		log.InfoContext(ctx, "webhook recorded")
		return WebhookReceipt{Status: "accepted"}, nil
	case DeliveryDuplicate:
		s.async.metrics.Count(ctx, MetricWebhookDuplicate, 1)
		log.InfoContext(ctx, "webhook already recorded")
		return WebhookReceipt{Status: "duplicate"}, nil
	case DeliveryProcessFinal:
		s.async.metrics.Count(ctx, MetricWebhookDuplicate, 1)
		log.InfoContext(ctx, "webhook for a final process")
		return WebhookReceipt{Status: "already_final"}, nil
	}
	s.async.metrics.Count(ctx, MetricWebhookUnknown, 1)
	log.WarnContext(ctx, "webhook for an unknown process")
	return WebhookReceipt{Status: "unknown_process"}, nil
}
