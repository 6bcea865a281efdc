package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/unicogw/gateway/api"
	"github.com/unicogw/gateway/api/contract"
	"github.com/unicogw/gateway/shared/httpapi"
)

func loadContract(t *testing.T) *contract.Contract {
	t.Helper()
	c, err := contract.Default()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return c
}

// TestDocumentIsValid: kin-openapi loads and validates the document (OpenAPI 3.0, every $ref,
// schema, format, parameter and security requirement), the project's rules hold
// (contract.ProjectRules), and every route the handlers serve is an operation with its API-key
// requirement stated as API Gateway enforces it (shared/httpapi checks the converse too).
func TestDocumentIsValid(t *testing.T) {
	c := loadContract(t)
	for _, r := range httpapi.Routes() {
		item := c.Doc.Paths.Value(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is not in the document", r.Method, r.Path)
			continue
		}
		op := item.GetOperation(r.Method)
		sec := c.Doc.Security
		if op.Security != nil {
			sec = *op.Security
		}
		usesKey := false
		for _, req := range sec {
			_, k := req["apiKey"]
			usesKey = usesKey || k
		}
		if usesKey != r.APIKey {
			t.Errorf("%s %s: the document says x-api-key %v, API Gateway requires it: %v", r.Method, r.Path, usesKey, r.APIKey)
		}
	}
}

// doctor returns the document with from replaced by to, failing if from is not there.
func doctor(t *testing.T, from, to string) []byte {
	t.Helper()
	raw := string(api.OpenAPI)
	if !strings.Contains(raw, from) {
		t.Fatalf("the document no longer contains %s", from)
	}
	return []byte(strings.Replace(raw, from, to, 1))
}

// TestBrokenDocumentsAreRefused: kin-openapi and the project's rules report broken copies.
func TestBrokenDocumentsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"dangling $ref", `"$ref": "#/components/schemas/Decision"`, `"$ref": "#/components/schemas/Decisions"`, "Decisions"},
		{"undeclared path parameter", `"name": "documentId"`, `"name": "docId"`, "documentId"},
		{"unknown type", `"type": "boolean"`, `"type": "bool"`, "bool"},
		{"unknown security scheme", `"unicoBasic": []`, `"unicoBasicAuth": []`, "unicoBasicAuth"},
		{"unknown format", `"format": "uuid"`, `"format": "guid"`, "guid"},
		{"bad default", `"default": 25`, `"default": "25"`, "default"},
		{"open object", `"additionalProperties": false`, `"description": "open"`, "must state additionalProperties"},
		{"error without the envelope", `"$ref": "#/components/schemas/Error"`, `"$ref": "#/components/schemas/Decision"`, "error answer must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := contract.Load(doctor(t, tc.from, tc.to))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
}

// A valid 201 answer of POST /v1/processes, and its request.
const (
	okCreateAnswer = `{"process":{"id":"7f1e7c0a-2b1d-4c55-9a7e-0d8f2b6a1c3e","integration":"by_unico","flow":"idlive","state":"created",
		"decision":{"outcome":"pending","reasons":[{"code":"awaiting_person","message":"m"}]},"unico":{"state":"PROCESS_STATE_CREATED"},
		"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z","source":"unico"},"redirectUrl":"https://x"}`
	okCreateRequest = `{"integration":"by_unico","flow":"idlive","purpose":"creditprocess","person":{"cpf":"52998224725","name":"Maria Silva"}}`
)

// createExchange is a POST /v1/processes request with body (Check reads the body it is given).
func createExchange(t *testing.T, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", "http://127.0.0.1:1/v1/processes", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", "k")
	req.Header.Set("Idempotency-Key", "i")
	return req
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// TestMismatchesFail: the exchange checks are not blind. The committed document accepts a
// valid exchange; answers that break it are reported; and on doctored copies of the document
// (a field's type changed, a status removed) the same valid answer fails.
func TestMismatchesFail(t *testing.T) {
	c := loadContract(t)
	if p := c.Check(createExchange(t, okCreateRequest), []byte(okCreateRequest), 201, jsonHeader(), []byte(okCreateAnswer)); len(p) > 0 {
		t.Fatalf("a valid exchange is refused: %v", p)
	}
	for name, tc := range map[string]struct {
		status int
		header http.Header
		body   string
	}{
		"missing required":    {201, jsonHeader(), strings.Replace(okCreateAnswer, `"source":"unico"`, `"redacted":true`, 1)},
		"wrong enum":          {201, jsonHeader(), strings.Replace(okCreateAnswer, `"pending"`, `"maybe"`, 1)},
		"undocumented field":  {201, jsonHeader(), strings.Replace(okCreateAnswer, `"redirectUrl"`, `"redirectURL"`, 1)},
		"wrong type":          {201, jsonHeader(), strings.Replace(okCreateAnswer, `"flow":"idlive"`, `"flow":7`, 1)},
		"bad date-time":       {201, jsonHeader(), strings.Replace(okCreateAnswer, `2026-01-02T03:04:05Z"`, `yesterday"`, 1)},
		"bad uuid":            {201, jsonHeader(), strings.Replace(okCreateAnswer, `7f1e7c0a-2b1d`, `7f1e7c0a2b1d`, 1)},
		"null array":          {201, jsonHeader(), strings.Replace(okCreateAnswer, `"reasons":[{"code":"awaiting_person","message":"m"}]`, `"reasons":null`, 1)},
		"undocumented status": {418, jsonHeader(), okCreateAnswer},
		"content type":        {201, http.Header{"Content-Type": {"text/html"}}, okCreateAnswer},
		"error shape":         {400, jsonHeader(), `{"message":"Forbidden"}`},
		"undocumented header": {201, http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}}, okCreateAnswer},
	} {
		if p := c.Check(createExchange(t, okCreateRequest), []byte(okCreateRequest), tc.status, tc.header, []byte(tc.body)); len(p) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	// A request the document refuses, accepted by the gateway, is reported; refused, it is fine.
	bad := `{"integration":"by_unico","flow":"idlive","purpose":"creditprocess","person":{"cpf":52998224725}}`
	if p := c.Check(createExchange(t, bad), []byte(bad), 201, jsonHeader(), []byte(okCreateAnswer)); len(p) == 0 {
		t.Error("an accepted request with a CPF as a number passed")
	}
	refusal := `{"error":{"code":"invalid_request","message":"m","requestId":"r"}}`
	if p := c.Check(createExchange(t, bad), []byte(bad), 400, jsonHeader(), []byte(refusal)); len(p) > 0 {
		t.Errorf("a refused bad request is reported: %v", p)
	}

	// Doctored copies: the answer is unchanged, the document is not.
	for name, doc := range map[string][]byte{
		"source as an integer": doctor(t, "\"source\": {\n            \"type\": \"string\"", "\"source\": {\n            \"type\": \"integer\""),
		"201 undocumented":     doctor(t, `"201": {`, `"202": {`),
	} {
		dc, err := contract.Load(doc)
		if err != nil {
			t.Fatalf("%s: the doctored document does not load: %v", name, err)
		}
		if p := dc.Check(createExchange(t, okCreateRequest), []byte(okCreateRequest), 201, jsonHeader(), []byte(okCreateAnswer)); len(p) == 0 {
			t.Errorf("%s: the answer passes against the doctored document", name)
		}
	}
}
