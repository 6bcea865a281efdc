package unicosim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

type received struct {
	auth, apiKey, contentType string
	body                      map[string]any
}

// receiver is an httptest webhook target that fails the first `fail` requests with 500.
type receiver struct {
	mu   sync.Mutex
	got  []received
	fail atomic.Int32
	srv  *httptest.Server
}

func newReceiver(t *testing.T, fail int32) *receiver {
	rc := &receiver{}
	rc.fail.Store(fail)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Get("Authorization"), r.Header.Get("X-API-Key"), r.Header.Get("Content-Type"), m})
		rc.mu.Unlock()
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if rc.fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func TestWebhookBasicAuthOnFinish(t *testing.T) {
	rc := newReceiver(t, 0)
	f := newFixture(t, func(c *Config) {
		c.WebhookURL = rc.srv.URL
		c.WebhookAuth = WebhookAuth{Username: "unico", Password: "s3cret"}
	})
	f.mint()
	id := f.create("idunicodocs", "73689290074")
	if err := f.sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if len(got) != 1 {
		t.Fatalf("deliveries %d", len(got))
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth("unico", "s3cret")
	if got[0].auth != req.Header.Get("Authorization") || got[0].contentType != "application/json" {
		t.Fatalf("auth %q ct %q", got[0].auth, got[0].contentType)
	}
	want := map[string]any{"processId": id, "state": "PROCESS_STATE_FINISHED", "flow": "idunicodocs"}
	if len(got[0].body) != 3 {
		t.Fatalf("body %v", got[0].body)
	}
	for k, v := range want {
		if got[0].body[k] != v {
			t.Fatalf("body %v", got[0].body)
		}
	}
	if st := f.sim.Stats(); st.WebhooksDelivered != 1 || st.WebhooksFailed != 0 {
		t.Fatalf("stats %+v", st)
	}
	// FAILED processes are not announced.
	id = f.create("id", ScenarioCPF("failed"))
	f.sim.Finish(context.Background(), id, "")
	if n := len(rc.all()); n != 1 {
		t.Fatalf("failed process was announced (%d deliveries)", n)
	}
}

func TestWebhookAPIKeyHeaderRetriesAndExpire(t *testing.T) {
	rc := newReceiver(t, 2)
	f := newFixture(t, func(c *Config) {
		c.WebhookURL = rc.srv.URL
		c.WebhookAuth = WebhookAuth{Header: "X-API-Key", Value: "abc123"}
	})
	f.mint()
	id := f.create("id", "73689290074")
	if err := f.sim.Expire(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if len(got) != 3 {
		t.Fatalf("want 2 failures + 1 success, got %d", len(got))
	}
	last := got[2]
	if last.apiKey != "abc123" || last.auth != "" {
		t.Fatalf("api key header %q auth %q", last.apiKey, last.auth)
	}
	if last.body["lastEvent"] != "EVENT_TYPE_PROCESS_CREATED" || last.body["lastEventDescription"] == nil {
		t.Fatalf("expired webhook %v", last.body)
	}
	if st := f.sim.Stats(); st.WebhooksDelivered != 1 || st.WebhooksFailed != 0 {
		t.Fatalf("stats %+v", st)
	}
	if p := f.getProcess(id); dig(p, "process", "result") != resExpired {
		t.Fatalf("expired process %v", p)
	}
	if err := f.sim.Expire(context.Background(), id); !errors.Is(err, ErrNotFinishable) {
		t.Fatalf("second expire: %v", err)
	}
}

func TestWebhookGivesUpAndRedeliver(t *testing.T) {
	rc := newReceiver(t, 100)
	f := newFixture(t, func(c *Config) {
		c.WebhookURL = rc.srv.URL
		c.WebhookAuth = WebhookAuth{Value: "plain-key"}
	})
	f.mint()
	id := f.create("id", "73689290074")
	if err := f.sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatalf("Finish must not return delivery errors: %v", err)
	}
	got := rc.all()
	if len(got) != 4 || got[0].auth != "plain-key" {
		t.Fatalf("attempts %d auth %q", len(got), got[0].auth)
	}
	if st := f.sim.Stats(); st.WebhooksFailed != 1 || st.WebhooksDelivered != 0 {
		t.Fatalf("stats %+v", st)
	}
	if err := f.sim.DeliverWebhook(context.Background(), id); err == nil {
		t.Fatal("DeliverWebhook must return the last error")
	}
	rc.fail.Store(0)
	if err := f.sim.DeliverWebhook(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if st := f.sim.Stats(); st.WebhooksFailed != 2 || st.WebhooksDelivered != 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := f.sim.DeliverWebhook(context.Background(), newUUID()); !errors.Is(err, ErrUnknownProcess) {
		t.Fatalf("unknown: %v", err)
	}
	open := f.create("id", "73689290074")
	if err := f.sim.DeliverWebhook(context.Background(), open); !errors.Is(err, ErrNotFinished) {
		t.Fatalf("unfinished: %v", err)
	}
}

func TestWebhookNetworkErrorCounted(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	f := newFixture(t, func(c *Config) { c.WebhookURL = url })
	f.mint()
	id := f.create("id", "73689290074")
	if err := f.sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if st := f.sim.Stats(); st.WebhooksFailed != 1 {
		t.Fatalf("stats %+v", st)
	}
}
