package unico

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The fuzz tests feed Unico's response decoders whatever a broken, hostile or future Unico
// could send: they never panic, and what they decode can always be rendered again (the gateway
// answers with it), so a Unico answer can never make the gateway answer 500. `go test` runs the
// seeds (the documentation examples in testdata); scripts/fuzz.sh fuzzes for a bounded time.

func addSeeds(f *testing.F, match func(name string) bool) {
	f.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if !match(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzProcess: by-Unico GetProcess/CreateProcess bodies, decoded as the client does (the
// envelope, then a bare process), then everything the gateway does with a process.
func FuzzProcess(f *testing.F) {
	addSeeds(f, func(n string) bool { return strings.Contains(n, "byunico") })
	f.Add([]byte(`{"process":{"id":"x","state":"PROCESS_STATE_NEW","services":[{"documents":[{"doc":{"code":"CNH","data":[{"a":1},2]}}]}]}}`))
	f.Add([]byte(`{"id":1,"createdAt":"2025-10-35","authenticationInfo":{"scoreEngineResult":{"score":"NaN"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var env ProcessEnvelope
		if Decode(data, &env) == nil {
			useProcess(t, env.Process)
		}
		var bare Process
		if Decode(data, &bare) == nil {
			useProcess(t, bare)
		}
	})
}

func useProcess(t *testing.T, p Process) {
	t.Helper()
	_ = UnknownEnums(p)
	_ = p.Documents()
	_ = p.SignedDocumentIDs()
	_ = p.Finished()
	_ = p.String()
	_ = p.LogValue().Resolve()
	if _, err := json.Marshal(p); err != nil {
		t.Fatalf("a decoded process cannot be encoded again: %v", err)
	}
	for _, d := range p.Documents() {
		_, _ = d.Doc.Data.CPF(), d.Doc.Data.Name()
		_, _ = d.Doc.Data.BirthDate(), d.Doc.Data.ExpiryDate()
		_ = d.Doc.Data.FieldCount()
	}
}

// FuzzClientProcess: by-Client process bodies (GetProcess v1/v2, the create answer).
func FuzzClientProcess(f *testing.F) {
	addSeeds(f, func(n string) bool { return strings.Contains(n, "byclient") })
	f.Add([]byte(`{"id":"x","status":"3","unicoId":{"result":true},"liveness":"1","document":{"type":"RG","content":"[{\"a\":1}]"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p ClientProcess
		if Decode(data, &p) != nil {
			return
		}
		_ = UnknownClientEnums(p)
		_, _ = p.Live()
		_, _ = p.OneToOneMatched()
		_, _ = p.Completed(), p.Errored()
		_ = p.String()
		_ = p.LogValue().Resolve()
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("a decoded by-Client process cannot be encoded again: %v", err)
		}
		var docs ReusableDocuments
		_ = Decode(data, &docs)
		var ev ClientWebhookEvent
		_ = Decode(data, &ev)
	})
}

var errorString = regexp.MustCompile(`^unico: HTTP -?[0-9]+( code [A-Za-z0-9_.\-]{1,40})?( auth [0-9.]+)?( retry after [0-9a-zµ.]+)?$`)

// FuzzParseError: any error body with any status and Retry-After. Error() is always the short
// structured form (status, a sanitised code, an auth code): never Unico's text, which may echo
// a CPF or a name.
func FuzzParseError(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "seed000_byclient_error_envelope.json")); err == nil {
		f.Add(400, b, "")
	}
	for _, b := range []string{`{"error":{"code":"0000","description":"x"}}`, `{"Error":{"code":40004,"description":"y"}}`,
		`{"code":3,"message":"invalid dui value 73689290074 for Luke Skywalker","details":[]}`,
		`{"error":"server_error","error_description":"Falha na autenticação 1.2.7"}`, `"Unauthorized 1.2.18"`,
		`{"Sucess":false,"Message":"m","Data":null}`, `<html>502</html>`} {
		f.Add(400, []byte(b), "")
		f.Add(401, []byte(b), "120")
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		e := ParseError(status, body, retryAfter)
		if e == nil {
			t.Fatal("nil error")
		}
		s := e.Error()
		if !errorString.MatchString(s) {
			t.Fatalf("Error() = %q", s)
		}
		_, _, _ = e.IsAuthFailure(), e.IsAuthLockout(), IsRateLimited(e)
	})
}

// FuzzOCR: OCR content for every document kind (object, list of objects, anything else).
func FuzzOCR(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "seed001_ocr_") {
			b, _ := os.ReadFile(filepath.Join("testdata", e.Name()))
			kind := strings.TrimSuffix(strings.TrimPrefix(e.Name(), "seed001_ocr_"), "_content.txt")
			f.Add(strings.ToUpper(kind), b)
		}
	}
	f.Add("DRIVERS_LICENSE", []byte(`[{"cpf":"390.533.447-05"},{"nome":7}]`))
	f.Add("", []byte(`"text"`))
	f.Fuzz(func(t *testing.T, code string, data []byte) {
		o, err := DecodeOCR(code, data)
		if err != nil {
			return
		}
		_, _, _, _ = o.CPF(), o.Name(), o.BirthDate(), o.ExpiryDate()
		_, _, _ = o.Extra(), o.FieldCount(), o.IsZero()
		_ = o.String()
		_ = slog.AnyValue(o).Resolve()
		if _, err := json.Marshal(o); err != nil {
			t.Fatalf("decoded OCR data cannot be encoded again: %v", err)
		}
	})
}
