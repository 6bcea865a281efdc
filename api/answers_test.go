package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/api/contract"
	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/httpapi"
)

var ddb *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &ddb)) }

// samplePDF is a small, real PDF to sign.
var samplePDF = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))

// answers drives the local stack and checks every answer against the document.
type answers struct {
	t        *testing.T
	contract *contract.Contract
	stack    *devstack.Stack
	covered  map[string]bool // "METHOD route" answered 2xx
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

// call sends one request to the route (a template of the document; path is the concrete path
// with its query) and checks the exchange with kin-openapi (api/contract): the answer's
// status, content type, headers and schema, and, when the gateway accepted the request, that
// the document accepts it too.
func (a *answers) call(method, route, path, apiKey string, header map[string]string, body any) answer {
	a.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(b)
	}
	req, err := http.NewRequest(method, a.stack.APIURL+path, bytes.NewReader(raw))
	if err != nil {
		a.t.Fatal(err)
	}
	if apiKey != "" {
		req.Header.Set("x-api-key", apiKey)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, p := range a.contract.Check(req, raw, res.StatusCode, res.Header, out) {
		a.t.Errorf("%s\n  answer: %.400s", p, out)
	}
	if res.StatusCode < 300 {
		a.covered[method+" "+route] = true
	}
	var m map[string]any
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(out, &m)
	}
	return answer{res.StatusCode, res.Header, m}
}

func (a *answers) want(got answer, status int, code string) answer {
	a.t.Helper()
	if got.status != status || (code != "" && field(got.body, "error", "code") != code) {
		a.t.Fatalf("want %d %s, got %d %v", status, code, got.status, got.body)
	}
	return got
}

func field(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, _ := cur.(map[string]any)
		cur = mm[p]
	}
	return cur
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// TestAnswersMatchTheDocument runs every route of the API through the local stack (the real
// handlers behind the API Gateway stand-in, DynamoDB Local and the Unico simulator), successes
// and the usual failures, and checks each answer against openapi.json. Every route must have
// been answered 2xx at least once.
func TestAnswersMatchTheDocument(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Bursts of Unico calls (artefacts, includes, faults): the fleet budget runs, well above them.
	stack, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.Discard,
		Async: devstack.AsyncOptions{SweepEvery: -1}, UnicoRateLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Stop()
	a := &answers{t: t, contract: loadContract(t), stack: stack, covered: map[string]bool{}}
	demo, other := stack.Tenants[0].APIKey, stack.Tenants[1].APIKey
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	const processes, process = "/v1/processes", "/v1/processes/{id}"

	// By Unico: create, replay, the usual refusals.
	hosted := map[string]any{"integration": "by_unico", "flow": "id", "purpose": "creditprocess", "clientReference": "doc-1",
		"callbackUri": "https://app.example.com/done", "person": map[string]any{"cpf": unicosim.ScenarioCPF("approved"), "name": "Maria Silva",
			"email": "maria@example.com", "phone": "5511974749090", "notifications": []string{"email"}}}
	created := a.want(a.call("POST", processes, processes, demo, key("doc-1"), hosted), 201, "")
	id, _ := field(created.body, "process", "id").(string)
	if replay := a.want(a.call("POST", processes, processes, demo, key("doc-1"), hosted), 201, ""); replay.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a replay has no Idempotent-Replayed: true")
	}
	otherBody := map[string]any{"flow": "idlive", "purpose": "creditprocess", "person": map[string]any{"cpf": unicosim.ScenarioCPF("approved")}}
	a.want(a.call("POST", processes, processes, demo, key("doc-1"), otherBody), 422, "idempotency_key_reused")
	a.want(a.call("POST", processes, processes, demo, nil, otherBody), 400, "idempotency_key_required")
	a.want(a.call("POST", processes, processes, demo, key("doc-2"), map[string]any{"flow": "idlive", "purpose": "creditprocess",
		"person": map[string]any{"cpf": "12345678900"}}), 400, "invalid_cpf")
	a.want(a.call("POST", processes, processes, demo, key("doc-3"), `{"flow":"idlive","purposes":"x"}`), 400, "unknown_field")
	a.want(a.call("POST", processes, processes, "", key("doc-4"), otherBody), 403, "invalid_api_key")
	stack.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/client/v1/process", Status: 503, Times: 1})
	a.want(a.call("POST", processes, processes, demo, key("doc-5"), otherBody), 503, "unico_unavailable")
	stack.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/client/v1/process", Status: 429, RetryAfter: "1", Times: 1,
		Body: `{"code":8,"message":"rate limit","details":[]}`})
	a.want(a.call("POST", processes, processes, demo, key("doc-6"), otherBody), 429, "unico_rate_limited")
	// Unico's 429 paused the fleet's budget for a second: a read's Unico call may not wait that
	// long (429 unico_budget_exhausted), a create may (it goes when the pause ends).
	a.want(a.call("GET", process, "/v1/processes/"+id+"?include=documents", demo, nil, nil), 429, "unico_budget_exhausted")
	a.want(a.call("POST", processes, processes, demo, key("doc-7"), otherBody), 201, "")

	// Reads before and after the person finishes.
	a.want(a.call("GET", process, "/v1/processes/"+id, demo, nil, nil), 200, "")
	a.want(a.call("GET", process, "/v1/processes/"+id, other, nil, nil), 404, "process_not_found")
	a.want(a.call("GET", process, "/v1/processes/not-a-process-id", demo, nil, nil), 404, "process_not_found")
	a.want(a.call("GET", "/v1/processes/{id}/selfie", "/v1/processes/"+id+"/selfie", demo, nil, nil), 404, "artefact_not_found")
	a.want(a.call("POST", "/v1/processes/{id}/notifications", "/v1/processes/"+id+"/notifications", demo, nil, nil), 409, "process_not_final")
	if err := stack.Sim.Finish(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if err := stack.Async.Drain(ctx); err != nil { // the worker records the final state; reads answer it
		t.Fatal(err)
	}
	if got := a.want(a.call("GET", process, "/v1/processes/"+id, demo, nil, nil), 200, ""); field(got.body, "decision", "outcome") != "approved" {
		t.Fatalf("finished: %v", got.body)
	}
	a.want(a.call("GET", processes, "/v1/processes?limit=10&state=finished&clientReference=doc-1", demo, nil, nil), 200, "")
	a.want(a.call("GET", processes, "/v1/processes?limit=0", demo, nil, nil), 400, "invalid_limit")
	a.want(a.call("GET", "/v1/processes/{id}/selfie", "/v1/processes/"+id+"/selfie", demo, nil, nil), 200, "")
	a.want(a.call("GET", "/v1/processes/{id}/selfie", "/v1/processes/"+id+"/selfie?raw=maybe", demo, nil, nil), 400, "invalid_raw")
	a.want(a.call("GET", "/v1/processes/{id}/evidence-set", "/v1/processes/"+id+"/evidence-set", demo, nil, nil), 200, "")
	a.want(a.call("POST", "/v1/processes/{id}/notifications", "/v1/processes/"+id+"/notifications", demo, nil, nil), 202, "")

	// Unico's webhook.
	auth := map[string]string{"Authorization": basicAuth(stack.WebhookUser, stack.WebhookPass)}
	hook := map[string]any{"processId": id, "state": "PROCESS_STATE_FINISHED", "flow": "id", "eventDate": "2026-01-02T03:04:05Z"}
	a.want(a.call("POST", "/webhooks/unico", "/webhooks/unico", "", auth, hook), 200, "")
	a.want(a.call("POST", "/webhooks/unico", "/webhooks/unico", "", map[string]string{"Authorization": basicAuth("unico", "wrong")}, hook), 401, "webhook_unauthorized")
	a.want(a.call("POST", "/webhooks/unico", "/webhooks/unico", "", auth, map[string]any{"processId": "nope"}), 400, "invalid_webhook")
	// Unico's deliveries are a few hundred bytes: a 2 MiB body is refused before it is parsed,
	// and one just over 64 KiB too; 64 KiB itself is parsed (and is not a webhook).
	big := `{"processId":"` + id + `","state":"PROCESS_STATE_FINISHED","padding":"` + strings.Repeat("x", 2<<20) + `"}`
	a.want(a.call("POST", "/webhooks/unico", "/webhooks/unico", "", auth, big), 413, "body_too_large")
	a.want(a.call("POST", "/webhooks/unico", "/webhooks/unico", "", auth, strings.Repeat(" ", 64<<10+1)), 413, "body_too_large")
	a.want(a.call("POST", "/webhooks/unico", "/webhooks/unico", "", auth, strings.Repeat(" ", 64<<10)), 400, "invalid_webhook")

	// A signature flow: signed documents and their evidence.
	sign := map[string]any{"flow": "idsign", "purpose": "creditprocess", "person": map[string]any{"cpf": unicosim.ScenarioCPF("approved"),
		"name": "Maria Silva", "email": "maria@example.com"}, "signatureDocuments": []map[string]any{{"name": "contract.pdf", "contentBase64": samplePDF}}}
	signID, _ := field(a.want(a.call("POST", processes, processes, demo, key("doc-sign"), sign), 201, "").body, "process", "id").(string)
	if err := stack.Sim.Finish(ctx, signID, ""); err != nil {
		t.Fatal(err)
	}
	if err := stack.Async.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	docs, _ := field(a.want(a.call("GET", process, "/v1/processes/"+signID, demo, nil, nil), 200, "").body, "signature", "documentIds").([]any)
	if len(docs) != 1 {
		t.Fatalf("signature documents: %v", docs)
	}
	doc := docs[0].(string)
	a.want(a.call("GET", "/v1/processes/{id}/signed-documents/{documentId}", "/v1/processes/"+signID+"/signed-documents/"+doc, demo, nil, nil), 200, "")
	a.want(a.call("GET", "/v1/processes/{id}/signature-evidence/{documentId}", "/v1/processes/"+signID+"/signature-evidence/"+doc, demo, nil, nil), 200, "")
	a.want(a.call("GET", "/v1/processes/{id}/signed-documents/{documentId}", "/v1/processes/"+signID+"/signed-documents/x", demo, nil, nil), 400, "invalid_document_id")
	a.want(a.call("GET", "/v1/processes/{id}/signature-evidence/{documentId}", "/v1/processes/"+signID+"/signature-evidence/"+id, demo, nil, nil), 404, "signed_document_not_found")

	// A custom flow whose person is set afterwards.
	custom := map[string]any{"flow": "idunicodocs_r2", "purpose": "biometryonboarding"}
	customID, _ := field(a.want(a.call("POST", processes, processes, demo, key("doc-custom"), custom), 201, "").body, "process", "id").(string)
	setDoc := "/v1/processes/" + customID + "/document"
	a.want(a.call("PUT", "/v1/processes/{id}/document", setDoc, demo, nil, map[string]any{"duiType": "DUI_TYPE_BR_RG", "duiValue": "1"}), 400, "invalid_dui_type")
	a.want(a.call("PUT", "/v1/processes/{id}/document", setDoc, demo, nil, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": unicosim.ScenarioCPF("approved")}), 200, "")
	a.want(a.call("PUT", "/v1/processes/{id}/document", setDoc, demo, nil, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": unicosim.ScenarioCPF("approved")}), 409, "process_not_awaiting_document")

	// Redaction.
	a.want(a.call("POST", "/v1/processes/{id}/redact", "/v1/processes/"+id+"/redact", demo, nil, nil), 200, "")
	if got := a.want(a.call("GET", process, "/v1/processes/"+id, demo, nil, nil), 200, ""); got.body["redacted"] != true {
		t.Fatalf("redacted read: %v", got.body)
	}
	a.want(a.call("GET", "/v1/processes/{id}/selfie", "/v1/processes/"+id+"/selfie", demo, nil, nil), 410, "process_redacted")
	a.want(a.call("POST", "/v1/processes/{id}/redact", "/v1/processes/"+id+"/redact", demo, nil, `{"reason":"x"}`), 400, "unknown_field")

	// By Client: a selfie, reusable documents, a document process.
	cpf := unicosim.ScenarioCPF("yes_with_documents")
	selfie := stack.Sim.NewSelfieJWT()
	byClient := map[string]any{"integration": "by_client", "capability": "identity", "selfie": selfie, "useCase": "Onboarding",
		"clientReference": "doc-bc", "person": map[string]any{"cpf": cpf, "name": "Maria Silva"}}
	bc := a.want(a.call("POST", processes, processes, demo, key("doc-bc-1"), byClient), 201, "")
	bcID, _ := field(bc.body, "process", "id").(string)
	a.want(a.call("POST", processes, processes, demo, key("doc-bc-2"), byClient), 422, "selfie_already_used")
	a.want(a.call("GET", process, "/v1/processes/"+bcID, demo, nil, nil), 200, "")
	a.want(a.call("GET", "/v1/processes/{id}/selfie", "/v1/processes/"+bcID+"/selfie", demo, nil, nil), 404, "artefact_not_available")
	list := a.want(a.call("GET", "/v1/documents", "/v1/documents?cpf="+cpf+"&type=BR_RG", demo, nil, nil), 200, "")
	a.want(a.call("GET", "/v1/documents", "/v1/documents?cpf="+cpf, demo, nil, nil), 400, "document_type_required")
	reusable, _ := list.body["documents"].([]any)
	if len(reusable) != 1 {
		t.Fatalf("reusable documents: %v", list.body)
	}
	docBody := map[string]any{"integration": "by_client", "capability": "documents", "person": map[string]any{"cpf": cpf},
		"document": map[string]any{"purpose": "onboarding", "authProcessId": bcID, "documentId": field(reusable[0].(map[string]any), "documentId")}}
	docProc := a.want(a.call("POST", processes, processes, demo, key("doc-bc-3"), docBody), 201, "")
	docID, _ := field(docProc.body, "process", "id").(string)
	if got := a.want(a.call("GET", process, "/v1/processes/"+docID+"?include=documents", demo, nil, nil), 200, ""); field(got.body, "clientResults", "document", "type") != "RG" {
		t.Fatalf("document process: %v", got.body)
	}
	docBody["document"].(map[string]any)["authProcessId"] = docID
	a.want(a.call("POST", processes, processes, demo, key("doc-bc-4"), docBody), 422, "auth_process_not_qualified")

	// A person reviews a by-Client process in review (identity inconclusive, no score), and
	// the queue lists the tenant's processes waiting for a person.
	incBody := map[string]any{"integration": "by_client", "capability": "identity", "selfie": stack.Sim.NewSelfieJWT(),
		"person": map[string]any{"cpf": unicosim.ScenarioCPF("inconclusive"), "name": "Maria Silva"}}
	inc := a.want(a.call("POST", processes, processes, demo, key("doc-rev-1"), incBody), 201, "")
	incID, _ := field(inc.body, "process", "id").(string)
	if field(inc.body, "process", "decision", "outcome") != "review" {
		t.Fatalf("inconclusive identity without a score: %v", inc.body)
	}
	a.want(a.call("GET", processes, "/v1/processes?decision=review&limit=5", demo, nil, nil), 200, "")
	a.want(a.call("GET", processes, "/v1/processes?reviewed=true", demo, nil, nil), 200, "")
	a.want(a.call("GET", processes, "/v1/processes?decision=approved", demo, nil, nil), 400, "invalid_decision")
	a.want(a.call("GET", processes, "/v1/processes?reviewed=yes", demo, nil, nil), 400, "invalid_reviewed")
	reviewPath := "/v1/processes/" + incID + "/review"
	const reviewRoute = "/v1/processes/{id}/review"
	rev := map[string]any{"outcome": "approved", "reason": "Documents checked by phone.", "reviewer": "op-17"}
	a.want(a.call("POST", reviewRoute, reviewPath, demo, key("doc-rev-2"), map[string]any{"outcome": "maybe", "reason": "x", "reviewer": "op-17"}), 400, "invalid_review_outcome")
	a.want(a.call("POST", reviewRoute, reviewPath, demo, nil, rev), 400, "idempotency_key_required")
	a.want(a.call("POST", reviewRoute, reviewPath, other, key("doc-rev-3"), rev), 404, "process_not_found")
	reviewed := a.want(a.call("POST", reviewRoute, reviewPath, demo, key("doc-rev-4"), rev), 200, "")
	if field(reviewed.body, "decision", "outcome") != "approved" || field(reviewed.body, "automaticDecision", "outcome") != "review" {
		t.Fatalf("reviewed: %v", reviewed.body)
	}
	if again := a.want(a.call("POST", reviewRoute, reviewPath, demo, key("doc-rev-4"), rev), 200, ""); again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a replayed review has no Idempotent-Replayed: true")
	}
	a.want(a.call("POST", reviewRoute, reviewPath, demo, key("doc-rev-4"), map[string]any{"outcome": "rejected", "reason": "x", "reviewer": "op-17"}), 422, "idempotency_key_reused")
	a.want(a.call("POST", reviewRoute, reviewPath, demo, key("doc-rev-5"), rev), 409, "process_not_in_review")
	a.want(a.call("POST", reviewRoute, "/v1/processes/"+id+"/review", demo, key("doc-rev-6"), rev), 410, "process_redacted")

	// Every route was answered with success at least once.
	var missing []string
	for _, r := range httpapi.Routes() {
		if !a.covered[r.Method+" "+r.Path] {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes never answered 2xx here (add them): %v", missing)
	}
}
