package api_test

import (
	"strings"
	"testing"

	"github.com/unicogw/gateway/api"
	"github.com/unicogw/gateway/shared/httpapi"
)

func loadSpec(t *testing.T) *spec {
	t.Helper()
	s, err := parseSpec(api.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return s
}

// TestDocumentIsValid: what a client generator needs from the document holds (see check).
func TestDocumentIsValid(t *testing.T) {
	s := loadSpec(t)
	if p := s.check(); len(p) > 0 {
		t.Fatalf("openapi.json has %d problems:\n  %s", len(p), strings.Join(p, "\n  "))
	}
	// Every route the handlers serve is an operation (shared/httpapi checks the converse too),
	// with its API-key requirement stated as API Gateway enforces it.
	for _, r := range httpapi.Routes() {
		op, ok := s.operation(r.Method, r.Path)
		if !ok {
			t.Errorf("%s %s is not in the document", r.Method, r.Path)
			continue
		}
		sec, explicit := op["security"]
		if !explicit {
			sec = s.doc["security"]
		}
		usesKey := false
		for _, req := range listOf(sec) {
			_, k := obj2(req)["apiKey"]
			usesKey = usesKey || k
		}
		if usesKey != r.APIKey {
			t.Errorf("%s %s: the document says x-api-key %v, API Gateway requires it: %v", r.Method, r.Path, usesKey, r.APIKey)
		}
	}
}

// TestCheckerFindsProblems: the checker is not blind; each broken document is reported.
func TestCheckerFindsProblems(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"dangling $ref", `"$ref": "#/components/schemas/Decision"`, `"$ref": "#/components/schemas/Decisions"`, "does not resolve"},
		{"no operationId", `"operationId": "getProcess",`, ``, "no operationId"},
		{"duplicate operationId", `"operationId": "getSelfie"`, `"operationId": "getProcess"`, "is also used by"},
		{"undeclared path parameter", `"name": "documentId"`, `"name": "docId"`, "path parameter {documentId} is not declared"},
		{"unknown type", `"type": "boolean"`, `"type": "bool"`, "unknown type"},
		{"required without property", "\"required\": [\n          \"cpf\"", "\"required\": [\n          \"cpfNumber\"", `required property "cpfNumber" is not in properties`},
		{"unknown security scheme", `"unicoBasic": []`, `"unicoBasicAuth": []`, "is not in components.securitySchemes"},
		{"unknown format", `"format": "uuid"`, `"format": "guid"`, "is not a known format"},
		{"bad default", `"default": 25`, `"default": "25"`, "want a integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := string(api.OpenAPI)
			if !strings.Contains(raw, tc.from) {
				t.Fatalf("the document no longer contains %s", tc.from)
			}
			s, err := parseSpec([]byte(strings.Replace(raw, tc.from, tc.to, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if p := strings.Join(s.check(), "\n"); !strings.Contains(p, tc.want) {
				t.Fatalf("want a problem with %q, got:\n%s", tc.want, p)
			}
		})
	}
}

// TestValidatorFindsProblems: the body validator rejects what the document does not allow.
func TestValidatorFindsProblems(t *testing.T) {
	s := loadSpec(t)
	ok := `{"process":{"id":"7f1e7c0a-2b1d-4c55-9a7e-0d8f2b6a1c3e","integration":"by_unico","flow":"idlive","state":"created",
		"decision":{"outcome":"pending","reasons":[{"code":"awaiting_person","message":"m"}]},"unico":{"state":"PROCESS_STATE_CREATED"},
		"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z","source":"unico"},"redirectUrl":"https://x"}`
	if p := s.checkAnswer("POST", "/v1/processes", 201, "application/json", []byte(ok)); len(p) > 0 {
		t.Fatalf("a valid answer is refused: %v", p)
	}
	for name, tc := range map[string]struct {
		status      int
		contentType string
		body, want  string
	}{
		"missing required":  {201, "application/json", strings.Replace(ok, `"source":"unico"`, `"redacted":true`, 1), `required property "source"`},
		"wrong enum":        {201, "application/json", strings.Replace(ok, `"pending"`, `"maybe"`, 1), "is not one of"},
		"undocumented":      {201, "application/json", strings.Replace(ok, `"redirectUrl"`, `"redirectURL"`, 1), `"redirectURL" is not in the document`},
		"bad date-time":     {201, "application/json", strings.Replace(ok, `2026-01-02T03:04:05Z"`, `yesterday"`, 1), "RFC 3339"},
		"null array":        {201, "application/json", strings.Replace(ok, `"reasons":[{"code":"awaiting_person","message":"m"}]`, `"reasons":null`, 1), "null is not allowed"},
		"status":            {418, "application/json", ok, "status 418 is not documented"},
		"content type":      {201, "text/html", ok, "is not documented"},
		"error shape":       {400, "application/json", `{"message":"Forbidden"}`, `required property "error"`},
		"integer not float": {200, "application/json", `{"processes":[],"nextCursor":1.5}`, "want a string"},
	} {
		route := "/v1/processes"
		method := "POST"
		if name == "integer not float" {
			method = "GET"
		}
		p := strings.Join(s.checkAnswer(method, route, tc.status, tc.contentType, []byte(tc.body)), "\n")
		if !strings.Contains(p, tc.want) {
			t.Errorf("%s: want a problem with %q, got %q", name, tc.want, p)
		}
	}
}
