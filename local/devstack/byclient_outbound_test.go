package devstack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
)

// A by-Client verification is final the moment it is created (Unico answers synchronously); the
// tenant's backend still gets its signed outbound event, written in the create's transaction.
func TestByClientFinalAtCreationSendsItsEvent(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{}, nil)
	selfie := a.Sim.NewSelfieJWT()
	body := map[string]any{"integration": "by_client", "capability": "identity", "selfie": selfie,
		"person": map[string]any{"cpf": unicosim.ScenarioCPF("yes"), "name": "Maria Teste"}}
	status, _, res := a.api.do("POST", "/v1/processes", a.Tenants[0].APIKey, map[string]string{"Idempotency-Key": "bc-out-1"}, body)
	id, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || id == "" || get(res, "process", "state") != "finished" {
		t.Fatalf("create: %d %v", status, res)
	}
	got := rc.wait(t, 1)
	if got[0].err != nil {
		t.Fatalf("signature: %v", got[0].err)
	}
	var ev struct {
		Type string
		Data struct {
			ID       string
			Decision struct{ Outcome string }
		}
	}
	if err := json.Unmarshal(got[0].body, &ev); err != nil || ev.Data.ID != id || ev.Type != "process.finished" || ev.Data.Decision.Outcome != "approved" {
		t.Fatalf("event: %s %v", got[0].body, err)
	}
	a.drain()
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("deliveries: %d, want 1", n)
	}
	if string(got[0].body) == "" || containsAny(string(got[0].body), selfie, unicosim.ScenarioCPF("yes"), "Maria") {
		t.Fatalf("the event carries personal data: %s", got[0].body)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}
