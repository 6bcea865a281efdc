package unicosim

import (
	"context"
	"testing"
)

// TestFinishLosingWebhook: the process finishes at Unico but no delivery reaches the receiver;
// a redelivery afterwards still works.
func TestFinishLosingWebhook(t *testing.T) {
	rc := newReceiver(t, 0)
	f := newFixture(t, func(c *Config) {
		c.WebhookURL = rc.srv.URL
		c.WebhookAuth = WebhookAuth{Username: "unico", Password: "s3cret"}
	})
	f.mint()
	id := f.create("idlive", ScenarioCPF("approved"))
	code, body, _ := f.call("POST", "/__sim/processes/"+id+"/finish", map[string]any{"loseWebhook": true})
	if code != 200 || dig(mustJSON(t, body), "process", "state") != "PROCESS_STATE_FINISHED" {
		t.Fatalf("finish: %d %s", code, body)
	}
	if n := len(rc.all()); n != 0 {
		t.Fatalf("%d deliveries of a lost webhook", n)
	}
	if st := f.sim.Stats(); st.WebhooksDelivered != 0 || st.WebhooksFailed != 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := f.sim.DeliverWebhook(context.Background(), id); err != nil || len(rc.all()) != 1 {
		t.Fatalf("redelivery: %v, %d deliveries", err, len(rc.all()))
	}
	// The method does the same.
	id = f.create("idlive", ScenarioCPF("approved"))
	if err := f.sim.FinishLosingWebhook(id, "rejected_liveness"); err != nil || len(rc.all()) != 1 {
		t.Fatalf("FinishLosingWebhook: %v, %d deliveries", err, len(rc.all()))
	}
}
