package devstack_test

import (
	"context"
	"net/http"
	"testing"
)

// TestRedactEndToEnd: a finished verification is redacted through the local API. The answer
// and every later read keep the decision, states and timestamps and drop the personal data;
// the read no longer calls Unico; the stored item has no CPF hash, mask or client reference;
// the clientReference filter no longer finds it; repeating the redaction answers the same;
// Unico's webhooks for it change nothing.
func TestRedactEndToEnd(t *testing.T) {
	s, _ := startStack(t)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	cpf, ref := newCPF(t), "redact-"+newCPF(t)[:8]
	id := createFor(t, api, demo, "redact-1", cpf, "Joana Redacao Teste", ref)
	if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	before := api.readFinal(id, demo)
	if before["state"] != "finished" || get(before, "decision", "outcome") != "approved" || before["cpfMasked"] == nil {
		t.Fatalf("before redaction: %v", before)
	}
	if item := rawItem(t, s, id); item["cpfHash"] == nil || item["clientReference"] == nil {
		t.Fatalf("the stored item lacks the data the test expects to see removed: %v", item)
	}

	// A body other than none or {} is refused and redacts nothing.
	for body, code := range map[string]string{`{"reason":"lgpd"}`: "unknown_field", `{}{}`: "invalid_json", `[]`: "invalid_json"} {
		if status, _, res := api.do("POST", "/v1/processes/"+id+"/redact", demo, nil, body); status != 400 || get(res, "error", "code") != code {
			t.Errorf("redact with body %s: %d %v", body, status, res)
		}
	}
	if rawItem(t, s, id)["redacted"] != nil {
		t.Fatal("a refused redaction redacted")
	}

	status, _, red := api.do("POST", "/v1/processes/"+id+"/redact", demo, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("redact: %d %v", status, red)
	}
	checkRedacted := func(what string, v map[string]any) {
		t.Helper()
		if v["redacted"] != true || v["redactedAt"] == nil || v["source"] != "store" || v["cpfMasked"] != nil || v["clientReference"] != nil {
			t.Errorf("%s: personal data or redaction marks: %v", what, v)
		}
		for _, k := range []string{"id", "state", "flow", "createdAt", "updatedAt", "finishedAt"} {
			if v[k] != before[k] {
				t.Errorf("%s: %s = %v, was %v", what, k, v[k], before[k])
			}
		}
		if get(v, "decision", "outcome") != get(before, "decision", "outcome") || get(v, "unico", "result") != get(before, "unico", "result") {
			t.Errorf("%s: decision or Unico result lost: %v", what, v)
		}
	}
	checkRedacted("redact answer", red)

	// Reads answer from the store: no call to Unico.
	calls := unicoCalls(s)
	status, _, after := api.do("GET", "/v1/processes/"+id, demo, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("read after redaction: %d %v", status, after)
	}
	checkRedacted("read", after)
	if after["results"] != nil {
		t.Errorf("the read still shows Unico's results: %v", after["results"])
	}
	// Idempotent: the same answer, the same redaction time, with no body or with {}.
	for _, body := range []any{nil, `{}`} {
		status, _, again := api.do("POST", "/v1/processes/"+id+"/redact", demo, nil, body)
		if status != http.StatusOK || again["redactedAt"] != red["redactedAt"] {
			t.Fatalf("second redaction: %d %v", status, again)
		}
		checkRedacted("second redaction", again)
	}
	// A webhook for it is acknowledged and ignored.
	hook := map[string]any{"processId": id, "state": "PROCESS_STATE_FINISHED", "flow": "idlive"}
	if status, _, res := api.do("POST", "/webhooks/unico", "", map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, s.WebhookPass)}, hook); status != 200 {
		t.Fatalf("webhook after redaction: %d %v", status, res)
	}
	if n := unicoCalls(s) - calls; n != 0 {
		t.Errorf("reads, redactions and a webhook of a redacted process made %d calls to Unico", n)
	}

	// The store: the personal attributes are gone, the audit ones stay.
	item := rawItem(t, s, id)
	for _, a := range []string{"cpfHash", "cpfMasked", "clientReference"} {
		if item[a] != nil {
			t.Errorf("the stored item still has %s", a)
		}
	}
	for _, a := range []string{"decision", "state", "createdAt", "finishedAt", "ttl", "redactedAt", "tenant"} {
		if item[a] == nil {
			t.Errorf("the stored item lost %s", a)
		}
	}
	// The list: not found by the removed client reference, still listed (redacted) by id.
	if got := listIDs(t, api, demo, "&clientReference="+ref); len(got) != 0 {
		t.Errorf("the removed client reference still finds: %v", keysOf(got))
	}
	if got := listIDs(t, api, demo, ""); got[id] == nil || got[id]["redacted"] != true || got[id]["cpfMasked"] != nil {
		t.Errorf("the list does not show the redacted process as redacted: %v", got[id])
	}
}
