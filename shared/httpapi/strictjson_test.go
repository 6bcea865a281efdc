package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unicogw/gateway/shared/domain"
)

func TestDecodeStrict(t *testing.T) {
	const plantedCPF = "39053344705"
	cases := []struct {
		name, body, code string
	}{
		{"ok", `{"flow":"idlive","person":{"cpf":"1","name":"a"}}`, ""},
		{"same names in sibling objects", `{"person":{"cpf":"1"},"signatureDocuments":[{"name":"a","contentBase64":"x"},{"name":"b","contentBase64":"y"}]}`, ""},
		{"duplicate top level", `{"flow":"idlive","flow":"idsign"}`, "duplicate_field"},
		{"duplicate differing in case", `{"flow":"idlive","FLOW":"idsign"}`, "duplicate_field"},
		{"duplicate with the Kelvin sign", "{\"backCamera\":true,\"bac\u212aCamera\":false}", "duplicate_field"},
		{"duplicate nested", `{"person":{"cpf":"1","name":"a","cpf":"2"}}`, "duplicate_field"},
		{"duplicate in an array element", `{"signatureDocuments":[{"name":"a"},{"name":"b","name":"c"}]}`, "duplicate_field"},
		{"duplicate after a nested value", `{"person":{"cpf":"1"},"flow":"a","person":null}`, "duplicate_field"},
		{"unknown field", `{"flw":"idlive"}`, "unknown_field"},
		{"unknown field named like a CPF", `{"` + plantedCPF + `":1}`, "unknown_field"},
		{"unknown field with markup", `{"<script>alert(1)</script>":1}`, "unknown_field"},
		{"string for a number", `{"expiresInSeconds":"` + plantedCPF + `"}`, "invalid_field_type"},
		{"number too large", `{"expiresInSeconds":1e999}`, "invalid_field_type"},
		{"integer overflow", `{"expiresInSeconds":99999999999999999999999}`, "invalid_field_type"},
		{"number for a string", `{"person":{"cpf":` + plantedCPF + `}}`, "invalid_field_type"},
		{"object for a string", `{"flow":{"x":1}}`, "invalid_field_type"},
		{"array for an object", `{"person":[1]}`, "invalid_field_type"},
		{"string for a boolean", `{"backCamera":"true"}`, "invalid_field_type"},
		{"top-level array", `[{"flow":"idlive"}]`, "invalid_json"},
		{"top-level string", `"` + plantedCPF + `"`, "invalid_json"},
		{"top-level null", `null`, "invalid_json"},
		{"trailing object", `{"flow":"a"}{"flow":"b"}`, "invalid_json"},
		{"trailing garbage", `{"flow":"a"} x`, "invalid_json"},
		{"truncated", `{"flow":"a"`, "invalid_json"},
		{"not UTF-8", "{\"flow\":\"a\xff\"}", "invalid_encoding"},
		{"empty", "  ", "empty_body"},
	}
	for _, c := range cases {
		var req domain.CreateRequest
		err := decodeStrict([]byte(c.body), &req)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		e := domain.AsError(err)
		if err == nil || e.Kind != domain.KindInvalid || e.Code != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
			continue
		}
		for _, planted := range []string{plantedCPF, "<", "script", "idsign"} {
			if strings.Contains(e.Message, planted) {
				t.Errorf("%s: message %q echoes the input (%q)", c.name, e.Message, planted)
			}
		}
	}
	// The messages name API fields and JSON types.
	var req domain.CreateRequest
	if err := decodeStrict([]byte(`{"person":{"cpf":1}}`), &req); domain.AsError(err).Message != `Field "person.cpf" must be a string.` {
		t.Errorf("type error message: %v", err)
	}
	if err := decodeStrict([]byte(`{"expiresInSeconds":true}`), &req); domain.AsError(err).Message != `Field "expiresInSeconds" must be an integer (in range).` {
		t.Errorf("type error message: %v", err)
	}
	// An unknown field is named by its JSON path when its name looks like a field name; a name
	// that could be personal data or markup is not repeated, the object holding it is named.
	for body, want := range map[string]string{
		`{"flw":"idlive"}`: `Field "flw" is not defined by this API (see api/openapi.json).`,
		`{"person":{"cpf":"1","rg":"` + plantedCPF + `"}}`:             `Field "person.rg" is not defined by this API (see api/openapi.json).`,
		`{"signatureDocuments":[{"name":"a"},{"name":"b","nam":"c"}]}`: `Field "signatureDocuments[1].nam" is not defined by this API (see api/openapi.json).`,
		`{"person":{"CPF":"1","` + plantedCPF + `":"x"}}`:              `The request body has a field in "person" that this API does not define (see api/openapi.json); its name is not repeated.`,
		`{"<script>":1}`: `The request body has a field at the top level that this API does not define (see api/openapi.json); its name is not repeated.`,
		`{"person":{"name":"a"},"person_name":"x"}`: `Field "person_name" is not defined by this API (see api/openapi.json).`,
		`{"Flow":"idlive","FLOWCONFIG":{}}`:         `Field "FLOWCONFIG" is not defined by this API (see api/openapi.json).`,
	} {
		var req domain.CreateRequest
		e := domain.AsError(decodeStrict([]byte(body), &req))
		if e == nil || e.Code != "unknown_field" || e.Message != want {
			t.Errorf("%s: got %v, want %q", body, e, want)
		}
	}
	if e := domain.AsError(decodeStrict([]byte(`{"reason":"x"}`), &redactBody{})); e == nil || e.Message != `Field "reason" is not defined by this API (see api/openapi.json).` {
		t.Errorf("redact body: %v", e)
	}
	// encoding/json alone takes the last duplicate: the check is what refuses it.
	var plain domain.CreateRequest
	if err := json.Unmarshal([]byte(`{"flow":"idlive","FLOW":"idsign"}`), &plain); err != nil || plain.Flow != "idsign" {
		t.Fatalf("encoding/json changed: %v %q", err, plain.Flow)
	}
}

func TestCheckDuplicateKeysDeep(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200)
	if err := checkDuplicateKeys([]byte(deep)); err != nil {
		t.Fatalf("deep unique: %v", err)
	}
	dup := strings.Repeat(`{"a":[`, 100) + `{"b":1,"B":2}` + strings.Repeat(`]}`, 100)
	if err := checkDuplicateKeys([]byte(dup)); domain.AsError(err).Code != "duplicate_field" {
		t.Fatalf("deep duplicate: %v", err)
	}
	// Object values that are arrays of scalars do not confuse key tracking.
	if err := checkDuplicateKeys([]byte(`{"a":["a","b",{"a":1}],"b":"a"}`)); err != nil {
		t.Fatalf("keys vs values: %v", err)
	}
	if err := checkDuplicateKeys([]byte(`{"a":["x"],"b":{},"a":2}`)); err == nil {
		t.Fatal("duplicate after array and empty object not found")
	}
}
