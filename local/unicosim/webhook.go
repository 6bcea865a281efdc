package unicosim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// webhookPayload is the by-Unico webhook body (§5.2): processId, state, flow, and lastEvent /
// lastEventDescription only when the process expired.
type webhookPayload struct {
	ProcessID            string `json:"processId"`
	State                string `json:"state"`
	Flow                 string `json:"flow"`
	LastEvent            string `json:"lastEvent,omitempty"`
	LastEventDescription string `json:"lastEventDescription,omitempty"`
}

// DeliverWebhook (re)delivers the webhook of a finished by-Unico process to Config.WebhookURL,
// retrying per Config.WebhookBackoff, and returns the last delivery error (nil once delivered).
func (s *Simulator) DeliverWebhook(ctx context.Context, processID string) error {
	ctx = contextOrBackground(ctx)
	s.mu.Lock()
	p := s.processes[strings.ToLower(processID)]
	if p == nil {
		s.mu.Unlock()
		return ErrUnknownProcess
	}
	if p.state != stFinished {
		st := p.state
		s.mu.Unlock()
		return fmt.Errorf("%w: %s (only PROCESS_STATE_FINISHED is notified)", ErrNotFinished, st)
	}
	body, _ := json.Marshal(webhookPayload{
		ProcessID: p.id, State: stFinished, Flow: p.fi.name,
		LastEvent: p.lastEvent, LastEventDescription: p.lastEventDescription,
	})
	s.mu.Unlock()
	if s.cfg.WebhookURL == "" {
		return ErrNoWebhookURL
	}
	var last error
	for attempt := 0; attempt <= len(s.cfg.WebhookBackoff); attempt++ {
		if attempt > 0 {
			t := time.NewTimer(s.cfg.WebhookBackoff[attempt-1])
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				s.countWebhook(false)
				return fmt.Errorf("unicosim: webhook delivery abandoned: %w (last error: %v)", ctx.Err(), last)
			}
		}
		if last = s.postWebhook(ctx, body); last == nil {
			s.countWebhook(true)
			return nil
		}
	}
	s.countWebhook(false)
	return last
}

func (s *Simulator) countWebhook(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.stats.WebhooksDelivered++
	} else {
		s.stats.WebhooksFailed++
	}
}

func (s *Simulator) postWebhook(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "unicosim-webhook/1")
	a := s.cfg.WebhookAuth
	switch {
	case a.Username != "":
		req.SetBasicAuth(a.Username, a.Password)
	case a.Header != "":
		req.Header.Set(a.Header, a.Value)
	case a.Value != "":
		req.Header.Set("Authorization", a.Value)
	}
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("unicosim: webhook receiver answered %s", resp.Status)
	}
	return nil
}

// notifyAsync announces a process that expired on its own (noticed during a read).
func (s *Simulator) notifyAsync(id string) {
	if s.cfg.WebhookURL == "" {
		return
	}
	go func() { _ = s.DeliverWebhook(context.Background(), id) }()
}
