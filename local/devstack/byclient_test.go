package devstack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/logging"
)

// End-to-end tests of the by-Client integration: every request goes through the local API
// (API Gateway emulator, the real handlers, DynamoDB Local, the credentials secret) to the Unico
// simulator, which enforces the single-use and 10-minute rules of SDK selfies.

const (
	clientName = "Joana Dark Pereira"
	postClient = "POST /processes/v1"
	getClient  = "GET /processes/v1/{id}"
)

// byClient is a test's view of one stack.
type byClient struct {
	t       *testing.T
	s       *devstack.Stack
	api     client
	demo    string
	other   string
	keySeq  int
	prefix  string   // Idempotency-Keys are per tenant and the table is shared by the package's tests
	planted []string // selfies, names and CPFs that must never reach the logs
}

// newByClient starts a stack whose reads of an open process always ask Unico (refreshEveryRead):
// these tests are about what Unico's answers become; the read budget is TestRoundTripBudget's
// and TestReadsAnswerFromTheStore's.
func newByClient(t *testing.T) (*byClient, *logging.SyncBuffer) {
	s, logs := startStackWith(t, refreshEveryRead)
	return &byClient{t: t, s: s, api: client{t, s.APIURL}, demo: s.Tenants[0].APIKey, other: s.Tenants[1].APIKey,
		planted: []string{clientName}, prefix: fmt.Sprintf("%s-%d-", t.Name(), time.Now().UnixNano())}, logs
}

// body builds a by-Client create; selfie "" means a fresh SDK capture from the simulator.
func (b *byClient) body(capability, cpf, selfie string, extra map[string]any) map[string]any {
	if selfie == "" {
		selfie = b.s.Sim.NewSelfieJWT()
	}
	m := map[string]any{"integration": "by_client", "capability": capability, "selfie": selfie, "useCase": "Onboarding",
		"person": map[string]any{"cpf": cpf, "name": clientName, "email": "joana@example.com", "phone": "5511900000000"}}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b.planted = append(b.planted, selfie, cpf)
	return m
}

// create posts with a new Idempotency-Key and returns status, headers and body.
func (b *byClient) create(apiKey string, body map[string]any) (int, http.Header, map[string]any) {
	b.t.Helper()
	b.keySeq++
	return b.api.do("POST", "/v1/processes", apiKey, b.key(fmt.Sprint(b.keySeq)), body)
}

// key is an Idempotency-Key header unique to this test.
func (b *byClient) key(name string) map[string]string {
	return map[string]string{"Idempotency-Key": b.prefix + name}
}

func (b *byClient) unicoCalls(key string) int { return b.s.Sim.Stats().Calls[key] }

func (b *byClient) stored(id string) domain.Process {
	b.t.Helper()
	p, err := dynamostore.New(dynamolocaltest.Client(b.t, ddb), b.s.TableName).GetProcess(context.Background(), id)
	if err != nil {
		b.t.Fatalf("stored process %s: %v", id, err)
	}
	return p
}

func (b *byClient) scanLogs(logs *logging.SyncBuffer, extra ...string) {
	b.t.Helper()
	if found := logging.FindPII(logs.String(), append(b.planted, extra...)...); len(found) > 0 {
		b.t.Fatalf("personal data or selfies in logs: %v", found)
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) {
		b.t.Fatal("the log capture saw no request lines: the scan proves nothing")
	}
}

// scanTable reads every item of the table (processes and idempotency records) and fails on any
// planted value: selfies, names and CPFs are never stored, the answer kept for a key included.
func (b *byClient) scanTable(extra ...string) {
	b.t.Helper()
	out, err := dynamolocaltest.Client(b.t, ddb).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(b.s.TableName)})
	if err != nil {
		b.t.Fatal(err)
	}
	if len(out.Items) == 0 || out.LastEvaluatedKey != nil {
		b.t.Fatalf("scan: %d items, more: %t", len(out.Items), out.LastEvaluatedKey != nil)
	}
	for _, item := range out.Items {
		for name, v := range item {
			var text string
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				text = v.Value
			case *types.AttributeValueMemberB:
				text = string(v.Value)
			default:
				continue
			}
			for i, p := range append(b.planted, extra...) {
				if p != "" && strings.Contains(text, p) {
					b.t.Errorf("planted[%d] stored in attribute %s", i, name)
				}
			}
		}
	}
}

func reasonCodes(m map[string]any) []string {
	var out []string
	rs, _ := get(m, "decision", "reasons").([]any)
	for _, r := range rs {
		out = append(out, fmt.Sprint(r.(map[string]any)["code"]))
	}
	return out
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// TestByClientCapabilitySetsAndStatuses creates one process per capability set and Unico
// answer (every status 1..5, both 1:1 result shapes, the score threshold, the behavior alert),
// checks the synchronous answer, the stored process, and the read through GET /v1/processes/{id}.
func TestByClientCapabilitySetsAndStatuses(t *testing.T) {
	b, logs := newByClient(t)
	refID := "80371b2a-3ac7-432e-866d-57fe37896ac6"
	refs := map[string]any{"references": []any{map[string]any{"referenceType": "REFERENCE_TYPE_PROCESS_ID", "referenceContent": refID}}}
	refPID := map[string]any{"referenceProcessId": refID}
	refImage := map[string]any{"references": []any{map[string]any{"referenceType": "REFERENCE_TYPE_IMAGE_BASE64",
		"referenceContent": base64.StdEncoding.EncodeToString([]byte("\xff\xd8\xff reference face"))}}}
	type check func(r map[string]any) bool
	results := func(path string, want any) check {
		return func(r map[string]any) bool { return fmt.Sprint(get(r, "clientResults", path)) == fmt.Sprint(want) }
	}
	absent := func(path string) check {
		return func(r map[string]any) bool { return get(r, "clientResults", path) == nil }
	}
	cases := []struct {
		name, capability, scenario string
		extra                      map[string]any
		state, outcome             string
		reasons                    []string
		status                     int
		checks                     []check
		readState, readOutcome     string // the read's answer when it differs (status 1 completes later)
	}{
		{"liveness live", "liveness", "yes", map[string]any{"person": nil}, "finished", "approved", []string{"liveness_confirmed"}, 3,
			[]check{results("liveness", 1), absent("identity")}, "", ""},
		{"liveness not live", "liveness", "not_live", nil, "finished", "rejected", []string{"liveness_failed"}, 3,
			[]check{results("liveness", 2)}, "", ""},
		{"identity yes (liveness included, Serpro shown)", "identity", "yes", nil, "finished", "approved", []string{"identity_confirmed"}, 3,
			[]check{results("identity", "yes"), absent("liveness"), results("identityFraudsters", "inconclusive"), results("serproScore", 87)}, "", ""},
		{"identity no", "identity", "no", nil, "finished", "rejected", []string{"face_does_not_match_cpf"}, 3,
			[]check{results("identity", "no"), results("liveness", 1), results("serproScore", 21)}, "", ""},
		{"identity inconclusive without a score", "identity", "inconclusive", nil, "finished", "review", []string{"identity_inconclusive"}, 3,
			[]check{results("identity", "inconclusive"), absent("riskScore")}, "", ""},
		{"identity not live", "identity", "not_live", nil, "finished", "rejected", []string{"liveness_failed"}, 3,
			[]check{results("liveness", 2)}, "", ""},
		{"identity fraudster", "identity", "fraudster", nil, "finished", "rejected", []string{"behavior_alert_fraudster"}, 3,
			[]check{results("identityFraudsters", "yes")}, "", ""},
		{"risk score 50 approved", "riskScore", "inconclusive", nil, "finished", "approved", []string{"risk_score_approved"}, 3,
			[]check{results("riskScore", 50), results("identity", "inconclusive")}, "", ""},
		{"risk score -40 rejected", "riskScore", "inconclusive_low_score", nil, "finished", "rejected", []string{"risk_score_negative"}, 3,
			[]check{results("riskScore", -40)}, "", ""},
		{"risk score 0 retried", "riskScore", "retry_score_zero", nil, "finished", "retry", []string{"risk_score_zero_possible_cpf_error"}, 3,
			[]check{results("riskScore", 0)}, "", ""},
		{"status 2 divergence", "riskScore", "divergence", nil, "finished", "review", []string{"risk_score_divergence"}, 2, nil, "", ""},
		{"1:1 biometryToken \"true\" (references)", "oneToOne", "matched_token", refs, "finished", "approved", []string{"biometric_token_matched"}, 3,
			[]check{results("oneToOneMatched", true), results("liveness", 1)}, "", ""},
		{"1:1 authenticated true (referenceProcessId)", "oneToOne", "matched_authenticated", refPID, "finished", "approved", []string{"biometric_token_matched"}, 3,
			[]check{results("oneToOneMatched", true)}, "", ""},
		{"1:1 biometryToken \"false\" (reference image)", "oneToOne", "not_matched_token", refImage, "finished", "rejected", []string{"biometric_token_not_matched"}, 3,
			[]check{results("oneToOneMatched", false)}, "", ""},
		{"1:1 authenticated false", "oneToOne", "not_matched_authenticated", refs, "finished", "rejected", []string{"biometric_token_not_matched"}, 3,
			[]check{results("oneToOneMatched", false)}, "", ""},
		{"status 1 in progress, complete on read", "identity", "in_progress", nil, "processing", "pending", []string{"unico_processing"}, 1,
			[]check{absent("identity")}, "finished", "approved"},
		{"status 4 canceled", "identity", "canceled", nil, "canceled", "retry", []string{"process_canceled"}, 4, nil, "", ""},
		{"status 5 error (read answers 410)", "riskScore", "error_status5", nil, "failed", "retry", []string{"unico_error"}, 5, nil, "", ""},
	}
	for i, c := range cases {
		cpf := unicosim.ScenarioCPF(c.scenario)
		if cpf == "" {
			t.Fatalf("%s: no scenario %s", c.name, c.scenario)
		}
		body := b.body(c.capability, cpf, "", c.extra)
		body["clientReference"] = fmt.Sprintf("%sorder-%d", b.prefix, i)
		before := b.unicoCalls(postClient)
		status, _, res := b.create(b.demo, body)
		p, _ := res["process"].(map[string]any)
		if status != http.StatusCreated || p == nil {
			t.Errorf("%s: create %d %v", c.name, status, res)
			continue
		}
		if n := b.unicoCalls(postClient) - before; n != 1 {
			t.Errorf("%s: %d Unico creates, want 1", c.name, n)
		}
		if p["integration"] != "by_client" || p["flow"] != c.capability || p["state"] != c.state || get(p, "decision", "outcome") != c.outcome ||
			strings.Join(reasonCodes(p), ",") != strings.Join(c.reasons, ",") || num(get(p, "clientResults", "status")) != float64(c.status) ||
			p["source"] != "unico" || get(p, "unico", "state") != fmt.Sprint(c.status) {
			t.Errorf("%s: answer %v", c.name, p)
			continue
		}
		for j, ok := range c.checks {
			if !ok(p) {
				t.Errorf("%s: check %d failed on %v", c.name, j, p["clientResults"])
			}
		}
		id := p["id"].(string)
		st := b.stored(id)
		wantMasked := "***.***.***-" + cpf[9:]
		if _, noPerson := c.extra["person"]; noPerson {
			wantMasked = ""
		}
		if st.Integration != domain.ByClient || st.Flow != c.capability || string(st.State) != c.state ||
			string(st.Decision.Outcome) != c.outcome || st.CPFMasked != wantMasked || (wantMasked != "") != (st.CPFHash != "") ||
			st.ClientReference != body["clientReference"] || (st.State.Final() == st.FinishedAt.IsZero()) {
			t.Errorf("%s: stored %+v", c.name, st)
		}

		// A final process is read from the store (its results were recorded with the create);
		// an open one asks Unico (v1) and answers the later decision.
		readState, readOutcome, source := c.state, c.outcome, "store"
		if c.readState != "" {
			readState, readOutcome, source = c.readState, c.readOutcome, "unico"
		}
		status, _, r := b.api.do("GET", "/v1/processes/"+id, b.demo, nil, nil)
		if status != 200 || r["state"] != readState || get(r, "decision", "outcome") != readOutcome || r["source"] != source {
			t.Errorf("%s: read %d %v", c.name, status, r)
		}
		if c.readState != "" {
			if st := b.stored(id); string(st.State) != readState || st.Version != 2 || st.FinishedAt.IsZero() {
				t.Errorf("%s: the read did not record the new state: %+v", c.name, st)
			}
		}
		// Another tenant does not see it.
		if status, _, r := b.api.do("GET", "/v1/processes/"+id, b.other, nil, nil); status != 404 {
			t.Errorf("%s: other tenant read %d %v", c.name, status, r)
		}
	}
	if n := b.unicoCalls("GET /processes/v2/{id}"); n != 0 {
		t.Errorf("the gateway asked for /processes/v2 %d times; it must not move the person's image", n)
	}
	// The list shows by-Client processes from the store.
	if status, _, res := b.api.do("GET", "/v1/processes?clientReference="+b.prefix+"order-0", b.demo, nil, nil); status != 200 ||
		len(res["processes"].([]any)) != 1 || get(res["processes"].([]any)[0].(map[string]any), "integration") != "by_client" {
		t.Errorf("list: %d %v", status, res)
	}
	b.scanLogs(logs)
}

// TestByClientValidationBeforeUnico: bad bodies are refused with stable codes, without spending
// the selfie or a Unico call.
func TestByClientValidationBeforeUnico(t *testing.T) {
	b, logs := newByClient(t)
	cpf := unicosim.ScenarioCPF("yes")
	selfie := b.s.Sim.NewSelfieJWT()
	person := func(m map[string]any) map[string]any { return m["person"].(map[string]any) }
	cases := []struct {
		name string
		mut  func(m map[string]any)
		code string
	}{
		{"bad CPF check digits", func(m map[string]any) { person(m)["cpf"] = "20000000109" }, "invalid_cpf"},
		{"double space in the name", func(m map[string]any) { person(m)["name"] = "Joana  Dark" }, "invalid_name"},
		{"no name for identity", func(m map[string]any) { delete(person(m), "name") }, "name_required"},
		{"no person for identity", func(m map[string]any) { delete(m, "person") }, "person_required"},
		{"no selfie", func(m map[string]any) { delete(m, "selfie") }, "selfie_required"},
		{"no capability", func(m map[string]any) { delete(m, "capability") }, "capability_required"},
		{"unknown capability", func(m map[string]any) { m["capability"] = "all" }, "invalid_capability"},
		{"a by-Unico field", func(m map[string]any) { m["flow"] = "idlive" }, "field_not_allowed"},
		{"1:1 without a reference", func(m map[string]any) { m["capability"] = "oneToOne" }, "reference_required"},
		{"bad subsidiary", func(m map[string]any) { m["subsidiaryId"] = "branch" }, "invalid_subsidiary_id"},
		{"unknown field", func(m map[string]any) { m["selfieBase64"] = "x" }, "unknown_field"},
	}
	for _, c := range cases {
		body := b.body("identity", cpf, selfie, nil)
		c.mut(body)
		status, _, res := b.create(b.demo, body)
		if status != 400 || get(res, "error", "code") != c.code {
			t.Errorf("%s: %d %v, want 400 %s", c.name, status, res, c.code)
		}
		if raw, _ := json.Marshal(res); bytes.Contains(raw, []byte(selfie)) || bytes.Contains(raw, []byte(cpf)) {
			t.Errorf("%s: the error echoes the request", c.name)
		}
	}
	// A selfie sent with a by-Unico create is refused, not ignored.
	if status, _, res := b.create(b.demo, map[string]any{"integration": "by_unico", "flow": "idlive", "purpose": "biometryonboarding",
		"person": map[string]any{"cpf": cpf}, "selfie": selfie}); status != 400 || get(res, "error", "code") != "field_not_allowed" {
		t.Errorf("by_unico with a selfie: %d %v", status, res)
	}
	if n := b.unicoCalls(postClient); n != 0 {
		t.Fatalf("%d Unico calls for invalid requests", n)
	}
	// The selfie is still unspent.
	if status, _, res := b.create(b.demo, b.body("identity", cpf, selfie, nil)); status != 201 || get(res, "process", "decision", "outcome") != "approved" {
		t.Fatalf("valid request after the refusals: %d %v", status, res)
	}
	b.scanLogs(logs)
}

// TestByClientIdempotencyAfterClientTimeout is Done-means 3: the caller times out while Unico is
// slow; the gateway finishes the call and records it; the caller's retry with the same key gets
// that answer with no second Unico call; a new key with the same selfie is a clear 4xx.
func TestByClientIdempotencyAfterClientTimeout(t *testing.T) {
	b, logs := newByClient(t)
	body := b.body("identity", unicosim.ScenarioCPF("yes"), "", nil)
	raw, _ := json.Marshal(body)
	b.s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/processes/v1", Delay: 1500 * time.Millisecond, Times: 1})

	post := func(hc *http.Client, key string) (*http.Response, map[string]any, error) {
		req, _ := http.NewRequest("POST", b.s.APIURL+"/v1/processes", bytes.NewReader(raw))
		req.Header.Set("x-api-key", b.demo)
		req.Header.Set("Idempotency-Key", b.prefix+key)
		res, err := hc.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		var m map[string]any
		data, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(data, &m)
		return res, m, nil
	}
	impatient := &http.Client{Timeout: 300 * time.Millisecond}
	if _, _, err := post(impatient, "slow-1"); err == nil {
		t.Fatal("the impatient client should have timed out")
	}
	// Retry with the same key, as a client does after a timeout: 409 while the first request
	// still runs (it says when to retry), then the recorded answer.
	var first map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, m, err := post(http.DefaultClient, "slow-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode == http.StatusConflict && get(m, "error", "code") == "idempotency_request_in_progress" && res.Header.Get("Retry-After") != "" {
			if time.Now().After(deadline) {
				t.Fatal("the first request never completed")
			}
			time.Sleep(50 * time.Millisecond) // the caller's back-off between polls
			continue
		}
		if res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "true" || get(m, "process", "decision", "outcome") != "approved" {
			t.Fatalf("retry after the timeout: %d %v", res.StatusCode, m)
		}
		first = m
		break
	}
	if n := b.unicoCalls(postClient); n != 1 {
		t.Fatalf("Unico creates after the retry: %d, want 1", n)
	}
	id := get(first, "process", "id").(string)
	// Again: same answer, still one Unico call.
	if status, hdr, again := b.api.do("POST", "/v1/processes", b.demo, b.key("slow-1"), string(raw)); status != 201 ||
		get(again, "process", "id") != id || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("second retry: %d %v", status, again)
	}
	// The same selfie with a new key: Unico refuses it (10508), the caller gets a clear 422.
	status, _, res := b.api.do("POST", "/v1/processes", b.demo, b.key("slow-2"), string(raw))
	if status != 422 || get(res, "error", "code") != "selfie_already_used" || !strings.Contains(get(res, "error", "message").(string), "Idempotency-Key") {
		t.Fatalf("same selfie, new key: %d %v", status, res)
	}
	if n := b.unicoCalls(postClient); n != 2 {
		t.Fatalf("Unico creates: %d, want 2", n)
	}
	// That refusal is definite: replayed for its key without a third call.
	if status, hdr, res := b.api.do("POST", "/v1/processes", b.demo, b.key("slow-2"), string(raw)); status != 422 ||
		get(res, "error", "code") != "selfie_already_used" || hdr.Get("Idempotent-Replayed") != "true" || b.unicoCalls(postClient) != 2 {
		t.Fatalf("replayed refusal: %d %v (calls %d)", status, res, b.unicoCalls(postClient))
	}
	// The same key with another body is still 422 idempotency_key_reused.
	if status, _, res := b.api.do("POST", "/v1/processes", b.demo, b.key("slow-1"), b.body("identity", unicosim.ScenarioCPF("yes"), "", nil)); status != 422 ||
		get(res, "error", "code") != "idempotency_key_reused" {
		t.Fatalf("same key, other body: %d %v", status, res)
	}
	b.scanLogs(logs)
	b.scanTable()
}

// TestByClientUnicoErrorCodes maps every by-Client error code to its answer: the ones the
// simulator produces on its own (10507, 10508, 10506, 20900, 20505, 20506, 20807) and the rest
// served as Unico would send them (a fault with Unico's error envelope).
func TestByClientUnicoErrorCodes(t *testing.T) {
	b, logs := newByClient(t)
	cpf := unicosim.ScenarioCPF("yes")

	// 10507: a capture taken 11 minutes ago.
	aged := b.s.Sim.NewSelfieJWTAt(time.Now().Add(-11 * time.Minute))
	status, hdr, res := b.api.do("POST", "/v1/processes", b.demo, b.key("aged"), b.body("identity", cpf, aged, nil))
	if status != 422 || get(res, "error", "code") != "selfie_expired" {
		t.Fatalf("10507: %d %v", status, res)
	}
	// A definite refusal is replayed for its key without calling Unico again.
	calls := b.unicoCalls(postClient)
	status, hdr, res = b.api.do("POST", "/v1/processes", b.demo, b.key("aged"), b.body("identity", cpf, aged, nil))
	if status != 422 || get(res, "error", "code") != "selfie_expired" || hdr.Get("Idempotent-Replayed") != "true" || b.unicoCalls(postClient) != calls {
		t.Fatalf("10507 replay: %d %v", status, res)
	}
	// 10508: a used capture.
	used := b.s.Sim.NewSelfieJWT()
	if status, _, res := b.create(b.demo, b.body("liveness", cpf, used, nil)); status != 201 {
		t.Fatalf("first use: %d %v", status, res)
	}
	if status, _, res := b.create(b.demo, b.body("identity", cpf, used, nil)); status != 422 || get(res, "error", "code") != "selfie_already_used" {
		t.Fatalf("10508: %d %v", status, res)
	}
	// 20900: a tampered capture; 10506: a plain image where the key has liveness.
	tampered := b.s.Sim.NewSelfieJWT()
	tampered = tampered[:len(tampered)-4] + "AAAA"
	if status, _, res := b.create(b.demo, b.body("identity", cpf, tampered, nil)); status != 400 || get(res, "error", "code") != "invalid_selfie" {
		t.Fatalf("20900: %d %v", status, res)
	}
	plain := base64.StdEncoding.EncodeToString(pngImage(t, 800, 600))
	if status, _, res := b.create(b.demo, b.body("liveness", cpf, plain, nil)); status != 400 || get(res, "error", "code") != "selfie_not_from_sdk" {
		t.Fatalf("10506: %d %v", status, res)
	}

	// Document images (plain base64 is allowed there): 20505, 20807, 20506.
	authID := b.authProcess(cpf)
	for _, c := range []struct {
		name string
		data []byte
		code string
	}{
		{"20505 GIF", append([]byte("GIF89a"), make([]byte, 64)...), "unsupported_image_format"},
		{"20807 small PNG", pngImage(t, 320, 240), "image_resolution_too_low"},
		{"20506 over 800 KB", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 900<<10)...), "image_too_large"},
	} {
		status, _, res := b.create(b.demo, b.documentBody(cpf, authID, map[string]any{"files": []any{map[string]any{"data": base64.StdEncoding.EncodeToString(c.data)}}}))
		if status != 400 || get(res, "error", "code") != c.code {
			t.Errorf("%s: %d %v", c.name, status, res)
		}
	}

	// The rest, as Unico answers them.
	envelope := func(code string) string {
		return `{"Error":{"code":"` + code + `","description":"Error description with the CPF ` + cpf + `"}}`
	}
	faults := []struct {
		httpStatus int
		code       string
		want       int
		wantCode   string
		released   bool // the caller may retry with the same key
	}{
		{400, "20009", 400, "selfie_required", false},
		{400, "20004", 400, "person_required", false},
		{400, "20005", 400, "cpf_required", false},
		{400, "20006", 400, "name_required", false},
		{400, "20507", 400, "invalid_cpf", false},
		{400, "20003", 400, "unico_invalid_request", false},
		{400, "20777", 400, "unico_rejected_request", false},
		{400, "10506", 400, "selfie_not_from_sdk", false},
		{400, "20001", 502, "unico_request_incomplete", true},
		{400, "20002", 502, "unico_request_incomplete", true},
		{403, "10201", 503, "unico_api_key_rejected", true},
		{403, "10501", 503, "unico_authentication_failed", true},
		{403, "10502", 503, "unico_authentication_failed", true},
		{401, "10501", 503, "unico_authentication_failed", true},
		{403, "30017", 503, "unico_capability_not_enabled", true},
	}
	for i, f := range faults {
		times := 1
		if f.httpStatus == 401 {
			times = 2 // the client refreshes its token and retries once after a 401
		}
		b.s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/processes/v1", Status: f.httpStatus, Body: envelope(f.code), Times: times})
		key := fmt.Sprintf("fault-%d", i)
		body := b.body("identity", cpf, "", nil)
		status, hdr, res := b.api.do("POST", "/v1/processes", b.demo, b.key(key), body)
		if status != f.want || get(res, "error", "code") != f.wantCode || !strings.Contains(fmt.Sprint(get(res, "error", "message")), f.code) {
			t.Errorf("Unico %d %s: %d %v, want %d %s", f.httpStatus, f.code, status, res, f.want, f.wantCode)
			continue
		}
		if strings.Contains(fmt.Sprint(res), cpf) {
			t.Errorf("%s: Unico's description reached the caller", f.code)
		}
		if f.want == 503 && hdr.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", f.code)
		}
		// Configuration problems release the key: once fixed, the same request succeeds.
		status, _, res = b.api.do("POST", "/v1/processes", b.demo, b.key(key), body)
		if f.released && (status != 201 || get(res, "process", "decision", "outcome") != "approved") {
			t.Errorf("%s: retry with the same key after the fault: %d %v", f.code, status, res)
		}
		if !f.released && (status != f.want || get(res, "error", "code") != f.wantCode) {
			t.Errorf("%s: the refusal was not replayed: %d %v", f.code, status, res)
		}
	}
	b.scanLogs(logs, aged, used, tampered, plain)
}

// TestByClientSeedExamples is Done-means 2: Unico's documented JSON (seeds 000 and 004 verbatim,
// seed 002 composed from its tables) served by the simulator and decoded through the gateway.
func TestByClientSeedExamples(t *testing.T) {
	b, logs := newByClient(t)
	seed := func(path string) []byte {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	const unicoData, composed = "../../shared/unico/testdata/", "testdata/"
	// read creates a process with the capability that Unico is still processing (status 1, so
	// that the process is open and a read asks Unico), then makes Unico's read answer raw.
	read := func(capability, scenario string, extra map[string]any, status int, raw []byte) (string, map[string]any) {
		t.Helper()
		_ = scenario
		st, _, res := b.create(b.demo, b.body(capability, unicosim.ScenarioCPF("in_progress"), "", extra))
		if st != 201 {
			t.Fatalf("create %s: %d %v", capability, st, res)
		}
		id := get(res, "process", "id").(string)
		b.s.Sim.SetRawClientProcess(id, status, raw)
		code, _, r := b.api.do("GET", "/v1/processes/"+id, b.demo, nil, nil)
		if code != 200 {
			t.Fatalf("read: %d %v", code, r)
		}
		return id, r
	}
	refs := map[string]any{"referenceProcessId": "80371b2a-3ac7-432e-866d-57fe37896ac6"}

	// Seed 000: GetProcess IDUnico + IDCheck: inconclusive, liveness 1, score 42 (< 50): review.
	_, r := read("riskScore", "inconclusive", nil, 200, seed(unicoData+"seed000_byclient_getprocess_idunico_idcheck.json"))
	if r["state"] != "finished" || get(r, "decision", "outcome") != "review" || strings.Join(reasonCodes(r), ",") != "risk_score_below_threshold" ||
		get(r, "clientResults", "identity") != "inconclusive" || num(get(r, "clientResults", "riskScore")) != 42 || num(get(r, "clientResults", "liveness")) != 1 {
		t.Errorf("seed 000 GetProcess: %v", r)
	}
	// Seed 000: the {"Error": ...} envelope, on a create (a 400 naming Unico's code) and on a read
	// (Unico refuses the read: the stored state is answered).
	b.s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/processes/v1", Status: 400, Body: string(seed(unicoData + "seed000_byclient_error_envelope.json")), Times: 1})
	if st, _, res := b.create(b.demo, b.body("identity", unicosim.ScenarioCPF("yes"), "", nil)); st != 400 ||
		get(res, "error", "code") != "unico_rejected_request" || !strings.Contains(get(res, "error", "message").(string), "40004") {
		t.Errorf("seed 000 error envelope on create: %d %v", st, res)
	}
	if _, r := read("identity", "yes", nil, 400, seed(unicoData+"seed000_byclient_error_envelope.json")); r["source"] != "store" ||
		get(r, "decision", "outcome") != "pending" || num(get(r, "clientResults", "status")) != 1 {
		t.Errorf("seed 000 error envelope on read: %v", r)
	}

	// Seed 004: 1:1 answer (biometryToken.result "true", identityFraudsters yes): matched but
	// flagged by the behavior alert, so review.
	_, r = read("oneToOne", "matched_token", refs, 200, seed(unicoData+"seed004_byclient_1to1_response.json"))
	if get(r, "decision", "outcome") != "review" || strings.Join(reasonCodes(r), ",") != "biometric_token_matched,behavior_alert_fraudster" ||
		get(r, "clientResults", "oneToOneMatched") != true || get(r, "clientResults", "identityFraudsters") != "yes" {
		t.Errorf("seed 004 1:1: %v", r)
	}
	// Seed 004: status 5, as the read's 410 (a terminal result, not a failure) ...
	id, r := read("oneToOne", "matched_token", refs, 410, seed(unicoData+"seed004_byclient_1to1_status5.json"))
	if r["state"] != "failed" || get(r, "decision", "outcome") != "retry" || strings.Join(reasonCodes(r), ",") != "unico_error" ||
		r["source"] != "unico" || num(get(r, "clientResults", "status")) != 5 {
		t.Errorf("seed 004 status 5 via 410: %v", r)
	}
	if st := b.stored(id); st.State != domain.StateFailed || st.Decision.Outcome != domain.OutcomeRetry {
		t.Errorf("seed 004 status 5 not recorded: %+v", st)
	}
	// ... and as the create's own answer. The seed's id is fixed: forget an earlier run's copy
	// (the package's DynamoDB Local lives as long as the test binary, e.g. with -count=2).
	if _, err := dynamolocaltest.Client(t, ddb).DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(b.s.TableName),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "P#80371b2a-3ac7-432e-866d-57fe37896ac6"}, "sk": &types.AttributeValueMemberS{Value: "P"}}}); err != nil {
		t.Fatal(err)
	}
	b.s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/processes/v1", Status: 200, Body: string(seed(unicoData + "seed004_byclient_1to1_status5.json")), Times: 1})
	if st, _, res := b.create(b.demo, b.body("oneToOne", unicosim.ScenarioCPF("yes"), "", refs)); st != 201 ||
		get(res, "process", "id") != "80371b2a-3ac7-432e-866d-57fe37896ac6" || get(res, "process", "state") != "failed" ||
		get(res, "process", "decision", "outcome") != "retry" || !strings.Contains(fmt.Sprint(get(res, "process", "decision", "reasons")), "3 new attempts") {
		t.Errorf("seed 004 status 5 on create: %d %v", st, res)
	}

	// Seed 002 (composed): 1:1 as "authenticated": true.
	_, r = read("oneToOne", "matched_token", refs, 200, seed(composed+"seed002_composed_1to1_authenticated.json"))
	if get(r, "decision", "outcome") != "approved" || get(r, "clientResults", "oneToOneMatched") != true {
		t.Errorf("seed 002 authenticated: %v", r)
	}
	// Seed 002 (composed): a v2 body with processAdditionalInfo: the decision uses the score,
	// and the person's image, name and document appear nowhere in the answer.
	v2 := seed(composed + "seed002_composed_v2_identity_score.json")
	var info struct {
		ProcessAdditionalInfo struct{ PersonName, PersonImage, TransactionID string } `json:"processAdditionalInfo"`
	}
	_ = json.Unmarshal(v2, &info)
	_, r = read("riskScore", "inconclusive", nil, 200, v2)
	answer, _ := json.Marshal(r)
	if get(r, "decision", "outcome") != "rejected" || strings.Join(reasonCodes(r), ",") != "risk_score_negative" ||
		num(get(r, "clientResults", "serproScore")) != 87 || bytes.Contains(answer, []byte(info.ProcessAdditionalInfo.PersonImage)) ||
		bytes.Contains(answer, []byte(info.ProcessAdditionalInfo.PersonName)) || bytes.Contains(answer, []byte("73689290074")) {
		t.Errorf("seed 002 v2: %s", answer)
	}
	// Seed 002 (composed): a document process whose CPF does not match ("cpfMatch": "false").
	authID := b.authProcess(unicosim.ScenarioCPF("yes"))
	st, _, res := b.create(b.demo, b.documentBody(unicosim.ScenarioCPF("yes"), authID, map[string]any{"files": []any{map[string]any{"data": b.s.Sim.NewSelfieJWT()}}}))
	if st != 201 {
		t.Fatalf("document create: %d %v", st, res)
	}
	docID := get(res, "process", "id").(string)
	b.s.Sim.SetRawClientProcess(docID, 200, seed(composed+"seed002_composed_document.json"))
	if code, _, r := b.api.do("GET", "/v1/processes/"+docID+"?include=documents", b.demo, nil, nil); code != 200 || get(r, "decision", "outcome") != "review" ||
		strings.Join(reasonCodes(r), ",") != "document_cpf_mismatch" || get(r, "clientResults", "document", "type") != "CNH" ||
		get(r, "clientResults", "document", "cpfMatch") != false || get(r, "clientResults", "document", "ocr", "categoria") != "B" ||
		len(get(r, "clientResults", "document", "fileUrls").([]any)) != 2 {
		t.Errorf("seed 002 document: %d %v", code, r)
	}
	b.scanLogs(logs, info.ProcessAdditionalInfo.PersonImage, info.ProcessAdditionalInfo.PersonName, "Maria Composta")
	b.scanTable(info.ProcessAdditionalInfo.PersonImage, "Maria Composta", "4815162342")
}

// authProcess creates a qualifying biometric process (identity yes) for cpf and returns its id.
func (b *byClient) authProcess(cpf string) string {
	b.t.Helper()
	status, _, res := b.create(b.demo, b.body("identity", cpf, "", nil))
	if status != 201 || get(res, "process", "decision", "outcome") != "approved" {
		b.t.Fatalf("biometric process: %d %v", status, res)
	}
	return get(res, "process", "id").(string)
}

func (b *byClient) documentBody(cpf, authID string, doc map[string]any) map[string]any {
	d := map[string]any{"purpose": "onboarding", "authProcessId": authID}
	for k, v := range doc {
		d[k] = v
	}
	b.planted = append(b.planted, cpf)
	return map[string]any{"integration": "by_client", "capability": "documents", "person": map[string]any{"cpf": cpf}, "document": d}
}

// TestByClientDocuments lists reusable documents, creates document processes (reuse and new
// capture) tied to a qualifying biometric process, reads their asynchronous OCR result and file
// URLs, and refuses biometric processes that do not qualify, each with its own code.
func TestByClientDocuments(t *testing.T) {
	b, logs := newByClient(t)
	cpf := unicosim.ScenarioCPF("yes_with_documents")
	b.planted = append(b.planted, cpf)

	// Reusable documents.
	status, _, res := b.api.do("GET", "/v1/documents?cpf="+cpf[:3]+"."+cpf[3:6]+"."+cpf[6:9]+"-"+cpf[9:]+"&type=BR_RG", b.demo, nil, nil)
	docs, _ := res["documents"].([]any)
	if status != 200 || len(docs) != 1 || get(docs[0].(map[string]any), "type") != "RG" ||
		get(docs[0].(map[string]any), "unicoType") != "unico.moja.dictionary.br.rg.v2.Rg" {
		t.Fatalf("reusable RG: %d %v", status, res)
	}
	rgID := get(docs[0].(map[string]any), "documentId").(string)
	if status, _, res := b.api.do("GET", "/v1/documents?cpf="+cpf+"&type=BR_CIN", b.demo, nil, nil); status != 200 || len(res["documents"].([]any)) != 0 {
		t.Fatalf("no reusable CIN: %d %v", status, res)
	}
	for q, code := range map[string]string{"type=BR_CNH": "cpf_required", "cpf=" + cpf: "document_type_required",
		"cpf=" + cpf + "&type=BR_CPF": "invalid_document_type", "cpf=20000001261&type=BR_RG": "invalid_cpf"} {
		if status, _, res := b.api.do("GET", "/v1/documents?"+q, b.demo, nil, nil); status != 400 || get(res, "error", "code") != code {
			t.Errorf("documents?%s: %d %v, want %s", q, status, res, code)
		}
	}
	if n := b.unicoCalls("GET /documents/v1"); n != 2 {
		t.Fatalf("Unico document lists: %d, want 2", n)
	}

	// Reuse the RG, tied to an identity-yes process of the same person.
	authID := b.authProcess(cpf)
	status, _, res = b.create(b.demo, b.documentBody(cpf, authID, map[string]any{"documentId": rgID}))
	p, _ := res["process"].(map[string]any)
	if status != 201 || p["state"] != "processing" || p["flow"] != "documents" || get(p, "decision", "outcome") != "pending" ||
		strings.Join(reasonCodes(p), ",") != "document_processing" || get(p, "clientResults", "status") != float64(1) {
		t.Fatalf("document create: %d %v", status, res)
	}
	docProcess := p["id"].(string)
	status, _, r := b.api.do("GET", "/v1/processes/"+docProcess+"?include=documents", b.demo, nil, nil)
	if status != 200 || r["state"] != "finished" || get(r, "decision", "outcome") != "approved" || get(r, "clientResults", "document", "type") != "RG" ||
		get(r, "clientResults", "document", "cpfMatch") != true || get(r, "clientResults", "document", "ocr", "numero") != "4815162342" {
		t.Fatalf("document read: %d %v", status, r)
	}
	urls, _ := get(r, "clientResults", "document", "fileUrls").([]any)
	if len(urls) != 2 {
		t.Fatalf("file URLs: %v", urls)
	}
	if res, err := http.Get(urls[0].(string)); err != nil || res.StatusCode != 200 {
		t.Fatalf("file URL: %v %v", err, res)
	} else {
		res.Body.Close()
	}

	// A new capture (front and back as SDK document captures), tied to a risk-score process
	// (score 50, the minimum): Unico classifies it as a CNH. Unico announces the result with a
	// by-Client webhook; the gateway reads the process and records it.
	scoreCPF := unicosim.ScenarioCPF("inconclusive")
	status, _, res = b.create(b.demo, b.body("riskScore", scoreCPF, "", nil))
	scoreAuth := get(res, "process", "id").(string)
	if status != 201 || get(res, "process", "clientResults", "riskScore") != float64(50) {
		t.Fatalf("risk-score process: %d %v", status, res)
	}
	front, back := b.s.Sim.NewSelfieJWT(), b.s.Sim.NewSelfieJWT()
	b.planted = append(b.planted, front, back)
	status, _, res = b.create(b.demo, b.documentBody(scoreCPF, scoreAuth, map[string]any{"files": []any{map[string]any{"data": front}, map[string]any{"data": back}}}))
	if status != 201 || get(res, "process", "state") != "processing" {
		t.Fatalf("new capture: %d %v", status, res)
	}
	cnhProcess := get(res, "process", "id").(string)
	hook := map[string]any{"eventDate": time.Now().UTC().Format(time.RFC3339), "event": "PROCESS_FINISHED", "data": map[string]any{"id": cnhProcess, "status": 3}}
	if status, _, res := b.api.do("POST", "/webhooks/unico", "", map[string]string{"Authorization": "Basic " + basic(b.s.WebhookUser, b.s.WebhookPass)}, hook); status != 200 {
		t.Fatalf("by-Client webhook: %d %v", status, res)
	}
	// The webhook is recorded and acknowledged; the worker (on the table's stream) reads Unico.
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), time.Minute)
	defer cancelDrain()
	if err := b.s.Async.Drain(drainCtx); err != nil {
		t.Fatal(err)
	}
	if st := b.stored(cnhProcess); st.State != domain.StateFinished || st.Decision.Outcome != domain.OutcomeApproved {
		t.Fatalf("after the webhook: %+v", st)
	}
	// The worker recorded the result without the OCR content and links: a read answers it
	// from the store; the include asks Unico for them.
	if status, _, r := b.api.do("GET", "/v1/processes/"+cnhProcess, b.demo, nil, nil); status != 200 || get(r, "clientResults", "document", "type") != "CNH" ||
		r["source"] != "store" || get(r, "clientResults", "document", "ocr") != nil || get(r, "clientResults", "document", "fileUrls") != nil {
		t.Fatalf("CNH read: %d %v", status, r)
	}
	if status, _, r := b.api.do("GET", "/v1/processes/"+cnhProcess+"?include=documents", b.demo, nil, nil); status != 200 || get(r, "clientResults", "document", "type") != "CNH" ||
		get(r, "clientResults", "document", "ocr", "categoria") != "B" || r["source"] != "unico" {
		t.Fatalf("CNH read with the documents: %d %v", status, r)
	}
	// Unico's retention passed (410, with or without a status-5 body): the documents are gone,
	// the recorded result stands.
	for _, body := range []string{`{"Error":{"code":"41000","description":"gone"}}`, `{"id":"` + cnhProcess + `","status":5}`} {
		b.s.Sim.SetRawClientProcess(cnhProcess, 410, []byte(body))
		if status, _, r := b.api.do("GET", "/v1/processes/"+cnhProcess+"?include=documents", b.demo, nil, nil); status != 410 || get(r, "error", "code") != "artefact_expired" {
			t.Errorf("410 %s, include: %d %v", body, status, r)
		}
		if status, _, r := b.api.do("GET", "/v1/processes/"+cnhProcess, b.demo, nil, nil); status != 200 || r["state"] != "finished" || get(r, "decision", "outcome") != "approved" {
			t.Errorf("410 %s, plain read: %d %v", body, status, r)
		}
	}
	b.s.Sim.SetRawClientProcess(cnhProcess, 0, nil)

	// Biometric processes that do not qualify: refused before Unico, each with its code.
	// Another tenant's qualifying process, written through the store (the tenants "demo" and
	// "other" are shared with the package's other tests, which count "other"'s processes).
	store := dynamostore.New(dynamolocaltest.Client(t, ddb), b.s.TableName)
	otherTenant := b.authProcess(cpf)
	foreign := b.stored(otherTenant)
	foreign.ID, foreign.Tenant = fmt.Sprintf("%08x-0000-4000-8000-%012x", time.Now().Unix()&0xffffffff, time.Now().UnixNano()&0xffffffffffff), "third-tenant"
	if err := store.CreateProcess(context.Background(), foreign, nil); err != nil {
		t.Fatal(err)
	}
	otherTenant = foreign.ID
	created := func(capability, scenario string, extra map[string]any) string {
		status, _, res := b.create(b.demo, b.body(capability, unicosim.ScenarioCPF(scenario), "", extra))
		if status != 201 {
			t.Fatalf("%s %s: %d %v", capability, scenario, status, res)
		}
		return get(res, "process", "id").(string)
	}
	liveOnly := created("liveness", "yes", nil)
	noID := created("identity", "no", nil)
	lowScore := created("riskScore", "inconclusive_low_score", nil)
	failed := created("identity", "error_status5", nil)
	old := b.authProcess(cpf)
	oldP := b.stored(old)
	next := oldP
	next.FinishedAt, next.Version = time.Now().Add(-25*time.Hour), oldP.Version+1
	if err := store.UpdateProcess(context.Background(), next, oldP.Version); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name, cpf, auth, code string
	}{
		{"unknown process", cpf, "00000000-0000-4000-8000-000000000000", "auth_process_not_found"},
		{"another tenant's process", cpf, otherTenant, "auth_process_not_found"},
		{"a document process", cpf, docProcess, "auth_process_not_qualified"},
		{"liveness only", unicosim.ScenarioCPF("yes"), liveOnly, "auth_process_not_qualified"},
		{"identity no", unicosim.ScenarioCPF("no"), noID, "auth_process_not_qualified"},
		{"risk score -40", unicosim.ScenarioCPF("inconclusive_low_score"), lowScore, "auth_process_not_qualified"},
		{"another person", unicosim.ScenarioCPF("yes"), authID, "auth_process_cpf_mismatch"},
		{"status 5", unicosim.ScenarioCPF("error_status5"), failed, "auth_process_not_finished"},
		{"finished 25 hours ago", cpf, old, "auth_process_expired"},
	}
	before := b.unicoCalls(postClient)
	for _, c := range refusals {
		status, _, res := b.create(b.demo, b.documentBody(c.cpf, c.auth, map[string]any{"documentId": rgID}))
		if status != 422 || get(res, "error", "code") != c.code {
			t.Errorf("%s: %d %v, want 422 %s", c.name, status, res, c.code)
		}
	}
	if n := b.unicoCalls(postClient) - before; n != 0 {
		t.Errorf("%d Unico creates for refused document processes", n)
	}
	// A document id that is not this person's: Unico's own refusal, mapped.
	if status, _, res := b.create(b.demo, b.documentBody(cpf, authID, map[string]any{"documentId": "00000000-0000-4000-8000-000000000001"})); status != 422 ||
		get(res, "error", "code") != "document_not_reusable" {
		t.Errorf("unknown document id: %d %v", status, res)
	}
	b.scanLogs(logs)
	b.scanTable("4815162342", "Homer Simpson", "Daniel Coelho") // OCR content is not stored either
}

// TestByClientReadFallbacks: a final by-Client process is read from the store whatever Unico's
// state; a read with include=documents asks Unico and says clearly when it cannot answer
// (Unico down: 503; its retention passed, with or without a status-5 body: 410
// artefact_expired), never replacing the recorded result.
func TestByClientReadFallbacks(t *testing.T) {
	b, logs := newByClient(t)
	status, _, res := b.create(b.demo, b.body("identity", unicosim.ScenarioCPF("yes"), "", nil))
	if status != 201 {
		t.Fatalf("create: %d %v", status, res)
	}
	id := get(res, "process", "id").(string)
	reads := func() int { return b.unicoCalls("GET /processes/v1/{id}") }
	before := reads()
	b.s.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/processes/v1/", Status: 503, Body: `{"Error":{"code":"50000","description":"down"}}`})
	if status, _, r := b.api.do("GET", "/v1/processes/"+id, b.demo, nil, nil); status != 200 || r["source"] != "store" ||
		get(r, "decision", "outcome") != "approved" || get(r, "clientResults", "identity") != "yes" {
		t.Fatalf("Unico down, plain read: %d %v", status, r)
	}
	if n := reads() - before; n != 0 {
		t.Fatalf("a read of a final process asked Unico %d times", n)
	}
	// An identity process has nothing on request: the include answers the store too.
	if status, _, r := b.api.do("GET", "/v1/processes/"+id+"?include=documents", b.demo, nil, nil); status != 200 || r["source"] != "store" {
		t.Fatalf("Unico down, include: %d %v", status, r)
	}
	if n := reads() - before; n != 0 {
		t.Fatalf("a read of a final process asked Unico %d times", n)
	}
	b.s.Sim.ClearFaults()
	// An open process (a document Unico is still processing) with Unico down: the recorded
	// state; with the include, Unico's failure as the answer (the caller asked for Unico's data).
	authID := b.authProcess(unicosim.ScenarioCPF("yes"))
	status, _, res = b.create(b.demo, b.documentBody(unicosim.ScenarioCPF("yes"), authID, map[string]any{"files": []any{map[string]any{"data": b.s.Sim.NewSelfieJWT()}}}))
	if status != 201 || get(res, "process", "state") != "processing" {
		t.Fatalf("document create: %d %v", status, res)
	}
	doc := get(res, "process", "id").(string)
	b.s.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/processes/v1/", Status: 503, Body: `{"Error":{"code":"50000","description":"down"}}`})
	if status, _, r := b.api.do("GET", "/v1/processes/"+doc, b.demo, nil, nil); status != 200 || r["source"] != "store" || r["state"] != "processing" {
		t.Fatalf("Unico down, open process: %d %v", status, r)
	}
	if status, _, r := b.api.do("GET", "/v1/processes/"+doc+"?include=documents", b.demo, nil, nil); status != 503 || get(r, "error", "code") != "unico_unavailable" {
		t.Fatalf("Unico down, include: %d %v", status, r)
	}
	b.s.Sim.ClearFaults()
	if status, _, r := b.api.do("GET", "/v1/processes/"+id+"?include=selfies", b.demo, nil, nil); status != 400 || get(r, "error", "code") != "invalid_include" {
		t.Fatalf("unknown include: %d %v", status, r)
	}
	if st := b.stored(id); st.Version != 1 || st.State != domain.StateFinished {
		t.Errorf("reads of a final process wrote it: %+v", st)
	}
	b.scanLogs(logs)
}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
