package domain

import (
	"context"
	"encoding/json"
	"errors"
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
	ev := UnicoWebhook{ProcessID: strings.TrimSpace(w.ProcessID), State: w.State, Flow: w.Flow, LastEvent: w.LastEvent, Event: w.Event}
	if ev.ProcessID == "" && w.Data != nil {
		ev.ProcessID = strings.TrimSpace(w.Data.ID)
	}
	if !validID(ev.ProcessID) {
		return UnicoWebhook{}, invalid("invalid_webhook", "The webhook carries no valid process id.")
	}
	return ev, nil
}

// HandleUnicoWebhook brings a process up to date after Unico announced a change: it reads the
// process from Unico and records its state. A delivery for a process we do not know is
// acknowledged (Unico would retry it forever otherwise) and logged by id only. Repeated and
// out-of-order deliveries are harmless: state only moves forward and an unchanged process is
// not written.
func (s *Service) HandleUnicoWebhook(ctx context.Context, ev UnicoWebhook) error {
	for attempt := 0; attempt < 3; attempt++ {
		p, err := s.store.GetProcess(ctx, ev.ProcessID)
		if errors.Is(err, ErrNotFound) {
			s.cfg.Log.WarnContext(ctx, "webhook for an unknown process", slog.String("processId", ev.ProcessID))
			return nil
		}
		if err != nil {
			return err
		}
		if p.State.Final() || p.Redacted {
			return nil
		}
		if p.Integration == ByClient { // by-Client document processes finish asynchronously
			if _, err := s.refreshClient(ctx, p); err != nil {
				return clientUnicoError(err)
			}
			return nil
		}
		up, err := s.hosted.GetProcess(ctx, ev.ProcessID)
		if err != nil {
			return unicoError(err)
		}
		s.logUnknown(ctx, p.ID, up)
		next := p
		applyHosted(&next, up, s.cfg.MinRiskScore)
		if !changed(p, next) {
			return nil
		}
		err = s.advance(ctx, p, next)
		if err == nil {
			s.cfg.Log.InfoContext(ctx, "process updated from webhook", slog.String("processId", p.ID),
				slog.String("state", string(next.State)), slog.String("outcome", string(next.Decision.Outcome)))
			return nil
		}
		if !errors.Is(err, ErrConditionFailed) {
			return err
		}
	}
	return &Error{Kind: KindConflict, Code: CodeConflict, Message: "The process kept changing; retry the delivery.", RetryAfter: 1e9}
}
