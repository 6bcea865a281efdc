package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/logging"
)

// The fuzz tests feed every request decoder (create body, redact body, webhook body, list
// query, path ids) through the real handlers and use cases. Whatever the input: no panic, no
// 5xx, a JSON answer, an error answer with a stable code whose message repeats nothing
// distinctive of the input, and no personal data in the logs. `go test` runs the seeds (the
// hostile corpus in testdata/hostile and valid requests); scripts/fuzz.sh fuzzes each target
// for a bounded time in CI.

const hostileDir = "testdata/hostile"

// addHostile adds the hostile corpus files whose names start with prefix as seeds.
func addHostile(f *testing.F, prefix string, add func(body []byte)) {
	f.Helper()
	entries, err := os.ReadDir(hostileDir)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			b, err := os.ReadFile(filepath.Join(hostileDir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no %s* seeds in %s", prefix, hostileDir)
	}
}

var errorCode = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]{2,63}$`)

// inputTokens returns the strings of body worth looking for in an answer: every JSON key and
// string value (as far as the body parses) and the raw body, when long enough and not made only
// of letters, '_', '.' and '-' (the API's own vocabulary: field names, flows, codes).
func inputTokens(body []byte, extra ...string) []string {
	var out []string
	add := func(s string) {
		if len(s) < 8 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-") == "" {
			return
		}
		out = append(out, s)
	}
	// Object keys are skipped: a valid key is the API's own vocabulary (field names such as
	// contentBase64 appear in messages by design); an invalid one is refused without an echo,
	// which the unknown-field tests check.
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct{ object, wantKey bool }
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		top := len(stack) - 1
		isKey := top >= 0 && stack[top].object && stack[top].wantKey
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default: // a nested value ended: its parent object expects a key again
				stack = stack[:top]
				if n := len(stack) - 1; n >= 0 && stack[n].object {
					stack[n].wantKey = true
				}
			}
			continue
		case string:
			if !isKey {
				add(v)
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].wantKey = !isKey
		}
	}
	add(string(body))
	for _, e := range extra {
		add(e)
	}
	return out
}

// messageConstants are the fragments of the API's own messages that hold digits and could
// therefore coincide with an input token (examples and limits).
var messageConstants = []string{"2026-01-31T00:00:00Z", "5511974749090", "7776000", "8388608", "RFC 3339"}

// reflects reports whether msg repeats tok outside the API's constant fragments.
func reflects(msg, tok string) bool {
	for _, c := range messageConstants {
		msg = strings.ReplaceAll(msg, c, " ")
	}
	return strings.Contains(msg, tok)
}

// checkAnswer asserts the properties every answer must have.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, logs *logging.SyncBuffer, tokens []string) {
	t.Helper()
	if rec.Code >= 500 || rec.Code < 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("answer is not JSON: %q", rec.Body.Bytes())
	}
	if rec.Code >= 400 {
		var e ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !errorCode.MatchString(e.Error.Code) || e.Error.Message == "" {
			t.Fatalf("error answer without a stable code: %s", rec.Body.Bytes())
		}
		if strings.ContainsAny(e.Error.Message, "<>") {
			t.Fatalf("error message with markup: %q", e.Error.Message)
		}
		for _, tok := range tokens {
			if reflects(e.Error.Message, tok) {
				t.Fatalf("error message %q repeats the input %q", e.Error.Message, tok)
			}
		}
	}
	if f := logging.FindPII(logs.String()); len(f) > 0 {
		t.Fatalf("personal data in the logs %v: %s", f, logs.String())
	}
}

func validCreateBody() string {
	return `{"integration":"by_unico","flow":"idlive","purpose":"biometryonboarding","callbackUri":"/","clientReference":"order-1",` +
		`"person":{"cpf":"390.533.447-05","name":"Maria Teste","phone":"5521998765432","email":"maria@example.com","notifications":["email","sms"]}}`
}

// FuzzCreateRequest: POST /v1/processes with any body and Idempotency-Key.
func FuzzCreateRequest(f *testing.F) {
	f.Add([]byte(validCreateBody()), "key-1")
	f.Add([]byte(`{"integration":"by_unico","flow":"idunicosign","purpose":"creditprocess","person":{"cpf":"39053344705","email":"a@b.co"},`+
		`"signatureDocuments":[{"name":"c.pdf","contentBase64":"`+base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 x"))+`"}]}`), "key-2")
	f.Add([]byte(`{"flow":"idunicodocs_r2","purpose":"carpurchase","expiresInSeconds":3600,"backCamera":true}`), "")
	addHostile(f, "create-", func(b []byte) { f.Add(b, "hostile") })
	f.Fuzz(func(t *testing.T, body []byte, idemKey string) {
		logs := &logging.SyncBuffer{}
		h := fuzzAPI(logs)
		r := httptest.NewRequest(http.MethodPost, "/v1/processes", bytes.NewReader(body))
		if strings.IndexFunc(idemKey, func(r rune) bool { return r < ' ' || r == 0x7f }) < 0 {
			r.Header.Set("Idempotency-Key", idemKey)
		}
		rec := serve(h, r)
		checkAnswer(t, rec, logs, inputTokens(body, idemKey))
		if rec.Code == http.StatusCreated && decodeStrict(body, &domain.CreateRequest{}) != nil {
			t.Fatalf("created from a body the strict decoder refuses: %q", body)
		}
	})
}

// FuzzProcessRoutes: GET /v1/processes/{id} and POST /v1/processes/{id}/redact with any id and
// (for redact) any body. Only the caller's own process, by its exact id, may answer 200.
func FuzzProcessRoutes(f *testing.F) {
	for _, id := range []string{fuzzProcessID, fuzzOtherID, strings.ToUpper(fuzzProcessID), "39053344705", "..", "%2e%2e", "<script>", ""} {
		f.Add(id, []byte(nil), false)
		f.Add(id, []byte(`{}`), true)
	}
	addHostile(f, "redact-", func(b []byte) { f.Add(fuzzProcessID, b, true) })
	f.Fuzz(func(t *testing.T, id string, body []byte, redact bool) {
		logs := &logging.SyncBuffer{}
		h := fuzzAPI(logs)
		u := &url.URL{Path: "/v1/processes/" + id}
		method := http.MethodGet
		if redact {
			u.Path += "/redact"
			method = http.MethodPost
		}
		if path.Clean(u.Path) != u.Path {
			return // ServeMux redirects unclean paths; API Gateway matched a resource before the function runs
		}
		r := httptest.NewRequest(method, "/", bytes.NewReader(body))
		r.URL, r.RequestURI = u, u.RequestURI()
		rec := serve(h, r)
		checkAnswer(t, rec, logs, inputTokens(body, id))
		if rec.Code == http.StatusOK && id != fuzzProcessID {
			t.Fatalf("%s %q answered 200", method, u.Path)
		}
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), fuzzOtherID) {
			t.Fatalf("another tenant's process answered: %s", rec.Body.String())
		}
	})
}

// FuzzListQuery: GET /v1/processes with any query string.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"", "limit=10", "state=finished&createdFrom=2026-01-01T00:00:00Z&createdTo=2026-02-01T00:00:00Z",
		"clientReference=order-1&cursor=abc", "limit=0"} {
		f.Add(q)
	}
	addHostile(f, "list-", func(b []byte) {
		for _, q := range strings.Split(string(b), "\n") {
			f.Add(q)
		}
	})
	f.Fuzz(func(t *testing.T, query string) {
		logs := &logging.SyncBuffer{}
		h := fuzzAPI(logs)
		r := httptest.NewRequest(http.MethodGet, "/v1/processes", nil)
		r.URL.RawQuery = query
		rec := serve(h, r)
		values, _ := url.ParseQuery(query)
		var extra []string
		for k, vs := range values {
			extra = append(extra, k)
			extra = append(extra, vs...)
		}
		checkAnswer(t, rec, logs, inputTokens(nil, append(extra, query)...))
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), fuzzOtherID) {
			t.Fatalf("another tenant's process listed: %s", rec.Body.String())
		}
	})
}

// FuzzWebhookBody: POST /webhooks/unico, authenticated, with any body.
func FuzzWebhookBody(f *testing.F) {
	f.Add([]byte(`{"processId":"` + fuzzProcessID + `","state":"PROCESS_STATE_FINISHED","flow":"idlive","lastEvent":"PROCESS_EVENT_FINISHED"}`))
	f.Add([]byte(`{"eventDate":"2026-01-01T00:00:00Z","event":"process.finished","data":{"id":"` + fuzzOtherID + `","status":3}}`))
	f.Add([]byte(`{"processId":"00000000-0000-4000-8000-999999999999"}`))
	addHostile(f, "webhook-", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, body []byte) {
		logs := &logging.SyncBuffer{}
		h := fuzzAPI(logs)
		r := httptest.NewRequest(http.MethodPost, "/webhooks/unico", bytes.NewReader(body))
		r.SetBasicAuth(fuzzHookUser, fuzzHookPass)
		rec := serve(h, r)
		checkAnswer(t, rec, logs, inputTokens(body))
	})
}

// strictBodies are the request bodies decoded with decodeStrict. A handler that decodes
// another body type (PUT /v1/processes/{id}/document, ...) adds a factory here, so that
// FuzzDecodeStrict covers it too.
var strictBodies = map[string]func() any{
	"create": func() any { return &domain.CreateRequest{} },
	"redact": func() any { return &redactBody{} },
}

// FuzzDecodeStrict: the strict decoder on its own, for every body type. It never panics, every
// error is a 400 (or 413) with a stable code and a message that repeats nothing of the input,
// and what it accepts is one valid JSON object without a name twice in any object.
func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(validCreateBody()))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"person":{"cpf":"1","CPF":"2"}}`))
	addHostile(f, "create-", func(b []byte) { f.Add(b) })
	addHostile(f, "redact-", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, body []byte) {
		tokens := inputTokens(body)
		for name, factory := range strictBodies {
			err := decodeStrict(body, factory())
			if err == nil {
				if !json.Valid(body) || !isObjectStart(body) || hasDuplicateNames(body) {
					t.Fatalf("%s: accepted %q", name, body)
				}
				continue
			}
			e := domain.AsError(err)
			if (e.Kind != domain.KindInvalid && e.Kind != domain.KindTooLarge) || !errorCode.MatchString(e.Code) {
				t.Fatalf("%s: %v is not a 4xx with a stable code", name, err)
			}
			for _, tok := range tokens {
				if reflects(e.Message, tok) {
					t.Fatalf("%s: message %q repeats %q", name, e.Message, tok)
				}
			}
		}
	})
}

// hasDuplicateNames is an independent check for FuzzDecodeStrict: it decodes every object into
// ordered key lists by recursion over json.RawMessage and compares folded names.
func hasDuplicateNames(body []byte) bool {
	var walk func(raw json.RawMessage) bool
	walk = func(raw json.RawMessage) bool {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return false
		}
		switch raw[0] {
		case '[':
			var items []json.RawMessage
			if json.Unmarshal(raw, &items) != nil {
				return false
			}
			for _, it := range items {
				if walk(it) {
					return true
				}
			}
		case '{':
			dec := json.NewDecoder(bytes.NewReader(raw))
			_, _ = dec.Token() // {
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				name := strings.ToUpper(strings.ToLower(k.(string)))
				if seen[name] || seen[foldName(k.(string))] {
					return true
				}
				seen[name], seen[foldName(k.(string))] = true, true
				var v json.RawMessage
				if dec.Decode(&v) != nil {
					return false
				}
				if walk(v) {
					return true
				}
			}
		}
		return false
	}
	return walk(body)
}

// TestMalformedIDsNeverReachTheStore: a non-UUID id on any per-process route (those of other
// features included) is answered 404 process_not_found before the handler runs: the API here has
// no service at all, so any call past the check would panic and answer 500.
func TestMalformedIDsNeverReachTheStore(t *testing.T) {
	h := New(Deps{Tenants: func(string) (string, bool) { return fuzzTenant, true }}).Handler("")
	n := 0
	for _, rt := range Routes() {
		if !hasProcessID(rt.Path) {
			continue
		}
		for _, id := range []string{"39053344705", "x", fuzzProcessID + "0", "P#" + fuzzProcessID, "0e9f4c1a_3b7d_4c2e_9a51_7f3d2b1c0e99", "<b>"} {
			u := &url.URL{Path: strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{id}", id), "{documentId}", "d")}
			r := httptest.NewRequest(rt.Method, "/", io.NopCloser(strings.NewReader("{}")))
			r.URL, r.RequestURI = u, u.RequestURI()
			rec := serve(h, r)
			if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"process_not_found"`) {
				t.Errorf("%s %s: %d %s", rt.Method, u.Path, rec.Code, rec.Body.String())
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no per-process route")
	}
}

func TestInputTokensSkipKeys(t *testing.T) {
	got := inputTokens([]byte(`{"contentBase64":"value-123456","nested":{"key_0000001":"v0000002"},"list":["item-00003",{"k0000004":"v0000005"}],"after":"value-000006"}`))
	want := "value-123456,v0000002,item-00003,v0000005,value-000006"
	var gotValues []string
	for _, g := range got {
		if !strings.HasPrefix(g, "{") {
			gotValues = append(gotValues, g)
		}
	}
	if strings.Join(gotValues, ",") != want {
		t.Fatalf("tokens %v, want the values %s", gotValues, want)
	}
}
