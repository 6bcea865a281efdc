package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
)

var ddb *dynamolocal.Server

// startStack runs a full local stack on free ports against the package's DynamoDB Local, with
// the functions' logs captured for the personal-data scan: the test's own buffer and the
// suite-wide sink that TestMain scans (logscan_test.go), which also learns the stack's secrets.
func startStack(t *testing.T) (*devstack.Stack, *logging.SyncBuffer) {
	return startStackWith(t, nil)
}

// startStackWith is startStack with the gateway configuration adjusted by customize.
func startStackWith(t *testing.T, customize func(*gateway.Config)) (*devstack.Stack, *logging.SyncBuffer) {
	t.Helper()
	_, logs := logging.NewCapture()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.MultiWriter(logs, suiteLogs),
		Customize: customize})
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	t.Cleanup(s.Stop)
	suiteLogs.PlantStack(s)
	return s, logs
}

type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, apiKey string, headers map[string]string, body any) (int, http.Header, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if apiKey != "" {
		req.Header.Set("x-api-key", apiKey)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, res.Header, out
}

// readFinal reads a process until it is final and returns that answer. After the person
// finishes, the final state reaches the store through the webhook and the worker (or a read's
// refresh): the read right after Finish may still answer the stored open state, so a test waits
// for the condition, with a bound, instead of assuming one read sees it.
func (c client) readFinal(id, apiKey string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _, v := c.do("GET", "/v1/processes/"+id, apiKey, nil, nil)
		if status == http.StatusOK {
			if st, _ := v["state"].(string); domain.State(st).Final() {
				return v
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("process %s not final after 30 s: %d %v", id, status, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// burstBudget raises the fleet's Unico budget for tests that send bursts of Unico calls
// without testing the budget (which keeps running, on the real path).
func burstBudget(c *gateway.Config) { c.UnicoRateLimit = 1000 }

// refreshEveryRead makes every read of an open process ask Unico (ReadRefresh of a nanosecond):
// for tests about what Unico's answer becomes through a read, not about the read's budget.
func refreshEveryRead(c *gateway.Config) { c.ReadRefresh = time.Nanosecond }

// readLive reads a process with include=documents: from Unico, on-request parts included.
func (c client) readLive(id, apiKey string) (int, map[string]any) {
	c.t.Helper()
	status, _, v := c.do("GET", "/v1/processes/"+id+"?include=documents", apiKey, nil, nil)
	return status, v
}

// withoutOnRequest is a read's answer without what only include=documents shows (OCR content,
// document links) and without source: what a stored answer must equal.
func withoutOnRequest(v map[string]any) map[string]any {
	raw, _ := json.Marshal(v)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	delete(out, "source")
	for _, d := range asList(out["documents"]) {
		delete(d.(map[string]any), "ocr")
		delete(d.(map[string]any), "downloadUrl")
	}
	if d, ok := get(out, "clientResults", "document").(map[string]any); ok {
		delete(d, "ocr")
		delete(d, "fileUrls")
	}
	return out
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

const personName = "Maria Aparecida Teste"

func createBody(cpf string) map[string]any {
	return map[string]any{"integration": "by_unico", "flow": "idlive", "purpose": "biometryonboarding", "callbackUri": "/",
		"clientReference": "order-42", "person": map[string]any{"cpf": cpf, "name": personName}}
}

// TestEndToEndHostedVerification is the walking skeleton through every real part: create a
// verification through the local API, finish it in the simulator, the simulator delivers the
// webhook, and the read shows the finished state with Unico's result.
func TestEndToEndHostedVerification(t *testing.T) {
	s, logs := startStack(t)
	api := client{t, s.APIURL}
	demo, other := s.Tenants[0].APIKey, s.Tenants[1].APIKey
	cpf := unicosim.ScenarioCPF("approved")
	suiteLogs.Plant(cpf, personName)

	status, hdr, res := api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "e2e-1"}, createBody(cpf))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, res)
	}
	id, _ := get(res, "process", "id").(string)
	if id == "" || get(res, "process", "state") != "created" || get(res, "process", "decision", "outcome") != "pending" ||
		get(res, "redirectUrl") == nil || get(res, "process", "cpfMasked") != "***.***.***-"+cpf[9:] {
		t.Fatalf("create answer: %v", res)
	}
	if hdr.Get("X-Request-Id") == "" {
		t.Error("no request id header")
	}

	// The same key and body replays the first answer and makes no second Unico call.
	status, hdr, again := api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "e2e-1"}, createBody(cpf))
	if status != http.StatusCreated || get(again, "process", "id") != id || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", status, again)
	}
	if n := s.Sim.Stats().Calls["POST /client/v1/process"]; n != 1 {
		t.Fatalf("Unico creates: %d, want 1 (calls %v)", n, s.Sim.Stats().Calls)
	}
	// The same key with another body is 422.
	other422 := createBody(cpf)
	other422["clientReference"] = "order-43"
	if status, _, res := api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "e2e-1"}, other422); status != 422 ||
		get(res, "error", "code") != "idempotency_key_reused" || get(res, "error", "requestId") == "" {
		t.Fatalf("reuse with another body: %d %v", status, res)
	}

	// Tenancy: another tenant's key reads 404; no key is refused by the gateway.
	if status, _, res := api.do("GET", "/v1/processes/"+id, other, nil, nil); status != 404 || get(res, "error", "code") != "process_not_found" {
		t.Fatalf("other tenant read: %d %v", status, res)
	}
	if status, _, _ := api.do("GET", "/v1/processes/"+id, "", nil, nil); status != 403 {
		t.Fatalf("no api key: %d", status)
	}

	// A webhook without or with wrong credentials is 401 and changes nothing.
	hook := map[string]any{"processId": id, "state": "PROCESS_STATE_FINISHED", "flow": "idlive"}
	if status, _, res := api.do("POST", "/webhooks/unico", "", nil, hook); status != 401 || get(res, "error", "code") != "webhook_unauthorized" {
		t.Fatalf("webhook without credentials: %d %v", status, res)
	}
	wrong := map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, "wrong")}
	if status, _, _ := api.do("POST", "/webhooks/unico", "", wrong, hook); status != 401 {
		t.Fatalf("webhook with wrong credentials: %d", status)
	}
	if status, _, res := api.do("GET", "/v1/processes/"+id, demo, nil, nil); status != 200 || get(res, "state") != "created" {
		t.Fatalf("read before finish: %d %v", status, res)
	}

	// The person finishes; the simulator delivers the webhook; the read shows Unico's result.
	if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if st := s.Sim.Stats(); st.WebhooksDelivered != 1 {
		t.Fatalf("webhook deliveries: %+v", st)
	}
	// The webhook was recorded and acknowledged; the worker (driven by the table's stream)
	// recorded the final state: wait for it, then read the store directly (no Unico call).
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), time.Minute)
	defer cancelDrain()
	if err := s.Async.Drain(drainCtx); err != nil {
		t.Fatal(err)
	}
	p, err := dynamostore.New(dynamolocaltest.Client(t, ddb), s.TableName).GetProcess(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != domain.StateFinished || p.Decision.Outcome != domain.OutcomeApproved || p.UnicoResult != "PROCESS_RESULT_OK" || p.Version != 2 {
		t.Fatalf("stored after webhook: %+v", p)
	}
	// The worker recorded Unico's results with the final state: the read answers them from the
	// store, without asking Unico.
	readsBefore := s.Sim.Stats().Calls["GET /client/v1/process/{id}"]
	status, _, res = api.do("GET", "/v1/processes/"+id, demo, nil, nil)
	if status != 200 || get(res, "state") != "finished" || get(res, "decision", "outcome") != "approved" ||
		get(res, "unico", "result") != "PROCESS_RESULT_OK" || get(res, "results", "authenticationInfo", "livenessResult") != "LIVENESS_RESULT_LIVE" ||
		get(res, "source") != "store" || get(res, "finishedAt") == nil || get(res, "checkedAt") == nil {
		t.Fatalf("read after finish: %d %v", status, res)
	}
	if n := s.Sim.Stats().Calls["GET /client/v1/process/{id}"] - readsBefore; n != 0 {
		t.Fatalf("the read of a final process asked Unico %d times", n)
	}

	// List: the tenant sees it, the other tenant does not.
	if status, _, res := api.do("GET", "/v1/processes?clientReference=order-42", demo, nil, nil); status != 200 || len(res["processes"].([]any)) != 1 {
		t.Fatalf("list: %d %v", status, res)
	}
	if ids := listIDs(t, api, other, ""); ids[id] != nil { // the table is shared by the package's tests: look for this id
		t.Fatalf("other tenant's list shows the process: %v", ids[id])
	}

	// No CPF, name, token or PEM in any log line of the run.
	creds, _, _ := s.Secrets.Current(s.SecretID)
	var c struct {
		PrivateKeyPem string `json:"privateKeyPem"`
		CPFHashKey    string `json:"cpfHashKey"`
	}
	_ = json.Unmarshal([]byte(creds), &c)
	planted := []string{cpf, personName, s.WebhookPass, c.CPFHashKey, c.PrivateKeyPem[40:80], basic(s.WebhookUser, s.WebhookPass)}
	if tok, ok := get(res, "sdkToken").(string); ok && tok != "" {
		planted = append(planted, tok)
	}
	if found := logging.FindPII(logs.String(), planted...); len(found) > 0 {
		t.Fatalf("personal data or secrets in logs: %v", found)
	}
	if !strings.Contains(logs.String(), `"tenant":"demo"`) {
		t.Fatal("access log lines do not name the tenant")
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) {
		t.Fatal("the log capture saw no request lines: the scan proves nothing")
	}
}
