package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The sweeper's schedule of one open process: pure arithmetic on its times.
func TestSweepSchedule(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := NewService(Deps{}, Config{SweepAfter: 15 * time.Minute})
	p := Process{ID: "p", CreatedAt: created}

	if got := s.firstSweep(p); !got.Equal(created.Add(15 * time.Minute)) {
		t.Errorf("first check %v, want 15 min after creation", got)
	}
	// A short-lived journey is first checked just after its expiry.
	short := p
	short.UnicoExpiresAt = created.Add(5 * time.Minute)
	if got := s.firstSweep(short); !got.Equal(created.Add(6 * time.Minute)) {
		t.Errorf("first check of a 5-minute journey %v, want expiry + 1 min", got)
	}

	cases := []struct {
		name       string
		age        time.Duration
		expiresIn  time.Duration // from now; 0 = no expiry known
		progressed bool
		want       time.Duration // from now
	}{
		{"young: SweepAfter", 20 * time.Minute, 0, false, 15 * time.Minute},
		{"a day old: a quarter of its age", 24 * time.Hour, 0, false, 6 * time.Hour},
		{"three days old: capped at 6 h", 72 * time.Hour, 0, false, 6 * time.Hour},
		{"eight hours old", 8 * time.Hour, 0, false, 2 * time.Hour},
		{"moved: like a new one", 72 * time.Hour, 0, true, 15 * time.Minute},
		{"expiry sooner: just after it", 72 * time.Hour, 30 * time.Minute, false, 31 * time.Minute},
		{"expiry later: the interval", 24 * time.Hour, 48 * time.Hour, false, 6 * time.Hour},
		{"expiry passed: the interval", 24 * time.Hour, -time.Hour, false, 6 * time.Hour},
	}
	for _, c := range cases {
		now := created.Add(c.age)
		q := p
		if c.expiresIn != 0 {
			q.UnicoExpiresAt = now.Add(c.expiresIn)
		}
		if got := s.nextSweep(q, now, c.progressed).Sub(now); got != c.want {
			t.Errorf("%s: next check in %v, want %v", c.name, got, c.want)
		}
	}
}

// The outbound payload carries ids, states and the decision: nothing personal.
func TestOutboundEventPayload(t *testing.T) {
	fin := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	p := Process{ID: "11111111-1111-4111-8111-111111111111", Tenant: "acme", Integration: ByUnico, Flow: "idlive",
		State: StateFinished, UnicoState: "PROCESS_STATE_FINISHED", UnicoResult: "PROCESS_RESULT_OK",
		Decision:        Decision{Outcome: OutcomeApproved, Reasons: []Reason{{Code: ReasonLivenessConfirmed, Message: "m"}}},
		ClientReference: "order-9", CPFHash: "hash-value", CPFMasked: "***.***.***-74",
		CreatedAt: fin.Add(-time.Hour), UpdatedAt: fin, FinishedAt: fin, RetainUntil: fin.Add(180 * 24 * time.Hour)}
	ev := newOutboundEvent(p, fin.Add(time.Second))
	if ev.ID != "evt_"+p.ID || ev.Type != "process.finished" || ev.Status != EventPending || ev.Tenant != "acme" ||
		!ev.KeepUntil.Equal(p.RetainUntil) || !ev.NextAttemptAt.Equal(fin.Add(time.Second)) {
		t.Fatalf("event = %+v", ev)
	}
	var got OutboundPayload
	if err := json.Unmarshal(ev.Payload, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "process.finished" || !got.Timestamp.Equal(fin) || got.Data.ID != p.ID || got.Data.Decision.Outcome != OutcomeApproved ||
		got.Data.Unico.Result != "PROCESS_RESULT_OK" || got.Data.ClientReference != "order-9" || got.Data.FinishedAt == nil {
		t.Fatalf("payload = %s", ev.Payload)
	}
	for _, leak := range []string{"hash-value", "***", "cpf", "acme"} {
		if strings.Contains(string(ev.Payload), leak) {
			t.Errorf("payload carries %q: %s", leak, ev.Payload)
		}
	}
	// Only a write that makes a process final carries an event.
	open := p
	open.State = StateCreated
	s := NewService(Deps{Outbox: nilOutbox{}}, Config{})
	if _, ok := s.finalEvent(open, p); !ok {
		t.Error("created → finished: no event")
	}
	if _, ok := s.finalEvent(p, p); ok {
		t.Error("finished → finished: an event")
	}
	if _, ok := s.finalEvent(open, open); ok {
		t.Error("created → created: an event")
	}
}

func TestDeliveryKey(t *testing.T) {
	a := UnicoWebhook{ProcessID: "ABC", State: "PROCESS_STATE_FINISHED", Flow: "idlive"}
	b := UnicoWebhook{ProcessID: "abc", State: "PROCESS_STATE_FINISHED", Flow: "idlive"}
	c := UnicoWebhook{ProcessID: "abc", State: "PROCESS_STATE_FINISHED", Flow: "idlive", LastEvent: "EVENT_TYPE_PROCESS_CREATED"}
	d := UnicoWebhook{ProcessID: "abc", Event: "update_process", EventDate: "2026-01-01T10:00:00Z"}
	e := UnicoWebhook{ProcessID: "abc", Event: "update_process", EventDate: "2026-01-01T10:05:00Z"}
	if a.DeliveryKey() != b.DeliveryKey() {
		t.Error("the same delivery (id case aside) has two keys")
	}
	keys := map[string]bool{}
	for _, w := range []UnicoWebhook{b, c, d, e} {
		keys[w.DeliveryKey()] = true
	}
	if len(keys) != 4 {
		t.Error("different deliveries share a key")
	}
}

// nilOutbox satisfies OutboxStore for the pure checks above; it is never called.
type nilOutbox struct{ OutboxStore }
