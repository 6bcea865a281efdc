package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

const (
	testCPF       = "123.456.789-09"
	testCPFDigits = "12345678909"
	testJWT       = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJnYXRld2F5QHRlbmFudCJ9.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
	testPEM       = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nQm9ndXNLZXlCb2R5\n-----END PRIVATE KEY-----\n"
	testUUID      = "550e8400-e29b-41d4-a716-446655440000"
)

func TestRedactRules(t *testing.T) {
	image := strings.Repeat("/9j/4AAQSkZJRgABAQAAAQABAAD", 12)
	cases := []struct{ in, want string }{
		// CPF
		{"cpf " + testCPF + " ok", "cpf [CPF] ok"},
		{testCPFDigits, "[CPF]"},
		{"/v1/persons/" + testCPFDigits + "/status", "/v1/persons/[CPF]/status"},
		{"cpf=" + testCPFDigits + "&x=1", "cpf=[CPF]&x=1"},
		{"123456789-09", "[CPF]"},
		{"PERSON#" + testCPFDigits, "PERSON#[CPF]"},
		{"run 123456789090 too long", "run 123456789090 too long"},
		{"run 1234567890123456 too long", "run 1234567890123456 too long"},
		{"ip 192.168.100.101 kept", "ip 192.168.100.101 kept"},
		// JWT
		{"assertion " + testJWT + " sent", "assertion [JWT] sent"},
		{"jwe eyJhbGciOiJSU0EtT0FFUCJ9.ZW5jcnlwdGVka2V5.aXY.Y2lwaGVydGV4dA.dGFn!", "jwe [JWT]!"},
		// PEM
		{"key " + testPEM + "done", "key [PEM]\ndone"},
		{`{"privateKeyPem":"` + strings.ReplaceAll(testPEM, "\n", `\n`) + `"}`, `{"privateKeyPem":"[PEM]\n"}`},
		{"cut -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA", "cut [PEM]"},
		{"tail QUFBQQ==\n-----END PRIVATE KEY-----", "tail QUFBQQ==\n[PEM]"},
		{"der MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7QmFzZTY0Qm9keQ end", "der [PEM] end"},
		// e-mail
		{"mail joao.silva+x@example.com.br sent", "mail [EMAIL] sent"},
		{"q=maria%40example.com&y=2", "q=[EMAIL]&y=2"},
		// phones
		{"tel +55 11 98765-4321.", "tel [PHONE]."},
		{"tel +5511987654321", "tel [PHONE]"},
		{"tel 5511987654321", "tel [PHONE]"},
		{"tel 551133334444", "tel [PHONE]"},
		{"tel +55 (11) 3333-4444", "tel [PHONE]"},
		{"tel (11) 98765-4321", "tel [PHONE]"},
		// authorization
		{"Authorization: Bearer abc.DEF-123_x~", "Authorization: Bearer [REDACTED]"},
		{"authorization: bearer " + testJWT, "authorization: bearer [REDACTED]"},
		{"Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED]"},
		{"Basic authentication failed", "Basic authentication failed"},
		{"bearer token missing", "bearer token missing"},
		// long base64 (an image)
		{`{"selfie":"` + image + `"}`, `{"selfie":"[BASE64]"}`},
		// survivors
		{"process " + testUUID, "process " + testUUID},
		{"7d3c0000-0000-4000-8000-551234567890", "7d3c0000-0000-4000-8000-551234567890"},
		{"a1b2c3d4-0000-4000-8000-123456789012", "a1b2c3d4-0000-4000-8000-123456789012"},
		{"at 2024-05-15T10:55:55.123456789Z", "at 2024-05-15T10:55:55.123456789Z"},
		{"at 2024-05-15T10:55:55-03:00 and 2024-05-15 10:55:55.123", "at 2024-05-15T10:55:55-03:00 and 2024-05-15 10:55:55.123"},
		{"epoch ms 1715770555123", "epoch ms 1715770555123"},
		{"at 2024-05-15T10:55:55.123456789-03:00", "at 2024-05-15T10:55:55.123456789-03:00"},
		{"at 2024-05-15 10:55:55 -0300 -03", "at 2024-05-15 10:55:55 -0300 -03"},
		{"ratio 0.12345678909", "ratio 0.12345678909"},
		{"ids 550e8400-e29b-41d4-a716-a46655440000 and 7d3c0000-0000-4000-8000-551234567890 cpf 12345678909", "ids 550e8400-e29b-41d4-a716-a46655440000 and 7d3c0000-0000-4000-8000-551234567890 cpf [CPF]"},
		{"arn:aws:secretsmanager:sa-east-1:123456789012:secret:unico-abc", "arn:aws:secretsmanager:sa-east-1:123456789012:secret:unico-abc"},
		{"status 200 in 35ms", "status 200 in 35ms"},
		{"", ""},
		// several at once
		{"uuid " + testUUID + " cpf " + testCPFDigits + " mail a@b.io", "uuid " + testUUID + " cpf [CPF] mail [EMAIL]"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestRedactCleanDoesNotAllocate(t *testing.T) {
	s := "request handled processId=" + testUUID + " at 2024-05-15T10:55:55.123456789-03:00 status=200 ms=1715770555123"
	if n := testing.AllocsPerRun(100, func() { _ = Redact(s) }); n != 0 {
		t.Errorf("Redact on a clean string allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = SensitiveKey("Some_Long-Attribute.Name") }); n != 0 {
		t.Errorf("SensitiveKey allocates %v times", n)
	}
}

func TestSensitiveKey(t *testing.T) {
	yes := []string{"cpf", "CPF", "duiValue", "dui_value", "name", "friendlyName", "personName",
		"nomeCivil", "phone", "email", "password", "secret", "token", "accessToken", "access-token",
		"Authorization", "apiKey", "api_key", "X-API-Key", "assertion", "privateKey", "privateKeyPem",
		"pem", "imageBase64", "selfie", "fileContents", "personImage", "body", "userEmail",
		"personCpf", "webhookPassword", "clientSecret", "requestBody", "cpfHashKey",
		strings.Repeat("x", 100) + "_token"}
	no := []string{"code", "status", "processId", "requestId", "secretId", "tableName", "duiType",
		"time", "level", "msg", "err", "capability", "durationMs", "tokenType"}
	for _, k := range yes {
		if !SensitiveKey(k) {
			t.Errorf("SensitiveKey(%q) = false", k)
		}
	}
	for _, k := range no {
		if SensitiveKey(k) {
			t.Errorf("SensitiveKey(%q) = true", k)
		}
	}
}

// logJSON logs one record through f and returns it decoded.
func logJSON(t *testing.T, f func(l *slog.Logger)) (map[string]any, string) {
	t.Helper()
	var buf bytes.Buffer
	f(New(&buf, slog.LevelDebug))
	line := buf.String()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, line)
	}
	return m, line
}

func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestHandlerKeyBased(t *testing.T) {
	keys := []string{"cpf", "duiValue", "name", "friendlyName", "personName", "nomeCivil", "phone",
		"email", "password", "secret", "token", "accessToken", "authorization", "apiKey", "assertion",
		"privateKey", "privateKeyPem", "pem", "imageBase64", "selfie", "fileContents", "personImage",
		"body", "API_KEY", "Access-Token"}
	for _, k := range keys {
		m, line := logJSON(t, func(l *slog.Logger) { l.Info("x", k, "Maria da Silva plain value") })
		if m[k] != Redacted {
			t.Errorf("key %q: got %v", k, m[k])
		}
		if strings.Contains(line, "Maria") {
			t.Errorf("key %q leaked: %s", k, line)
		}
	}
	// Non-string values under sensitive keys are redacted too.
	m, _ := logJSON(t, func(l *slog.Logger) {
		l.Info("x", "cpf", 12345678909, "body", map[string]int{"a": 1}, "token", []string{"t"})
	})
	for _, k := range []string{"cpf", "body", "token"} {
		if m[k] != Redacted {
			t.Errorf("%s = %v", k, m[k])
		}
	}
}

func TestHandlerValueBasedAndMessage(t *testing.T) {
	m, line := logJSON(t, func(l *slog.Logger) {
		l.Info("lookup of "+testCPF+" by joao@example.com",
			"note", "called +55 11 98765-4321 with Bearer "+testJWT,
			"processId", testUUID,
			"at", "2024-05-15T10:55:55.123Z",
			"n", int64(12345678909),
			"status", 200,
			"dur", 1500*time.Millisecond,
			"big", uint64(5511987654321),
			"f", 12345678909.0,
		)
	})
	if m["msg"] != "lookup of [CPF] by [EMAIL]" {
		t.Errorf("msg = %q", m["msg"])
	}
	if m["note"] != "called [PHONE] with Bearer [REDACTED]" {
		t.Errorf("note = %q", m["note"])
	}
	if m["processId"] != testUUID || m["at"] != "2024-05-15T10:55:55.123Z" {
		t.Errorf("uuid/timestamp altered: %s", line)
	}
	if m["n"] != "[CPF]" || m["big"] != "[PHONE]" || m["f"] != "[CPF]" {
		t.Errorf("numbers: n=%v big=%v f=%v", m["n"], m["big"], m["f"])
	}
	if m["status"] != float64(200) || m["dur"] != float64(1500*time.Millisecond) {
		t.Errorf("plain numbers altered: %s", line)
	}
	if f := FindPII(line, testCPF, testJWT); len(f) > 0 {
		t.Errorf("PII in %s: %v", line, f)
	}
}

func TestHandlerJSONStrings(t *testing.T) {
	body := `{"processId":"` + testUUID + `","person":{"name":"Maria Souza","cpf":"` + testCPFDigits +
		`"},"note":"a@b.com","list":[{"phone":"x"}],"status":3}`
	m, line := logJSON(t, func(l *slog.Logger) { l.Info("unico answered", "response", body, "arr", `[{"email":"z@z.io"}]`) })
	want := `{"list":[{"phone":"[REDACTED]"}],"note":"[EMAIL]","person":{"cpf":"[REDACTED]","name":"[REDACTED]"},"processId":"` +
		testUUID + `","status":3}`
	if m["response"] != want || m["arr"] != `[{"email":"[REDACTED]"}]` {
		t.Errorf("got %s", line)
	}
	// Not JSON after all: plain value rules.
	m, _ = logJSON(t, func(l *slog.Logger) { l.Info("x", "s", "{not json "+testCPF) })
	if m["s"] != "{not json [CPF]" {
		t.Errorf("s = %v", m["s"])
	}
}

func TestHandlerErrors(t *testing.T) {
	err := fmt.Errorf("person %s (%s): %w", testCPFDigits, "ana@example.org", io.ErrUnexpectedEOF)
	m, _ := logJSON(t, func(l *slog.Logger) { l.Error("failed", "err", err, "plain", errors.New("boom")) })
	if m["err"] != "person [CPF] ([EMAIL]): unexpected EOF" {
		t.Errorf("err = %q", m["err"])
	}
	if m["plain"] != "boom" {
		t.Errorf("plain = %q", m["plain"])
	}
}

func TestHandlerGroups(t *testing.T) {
	m, line := logJSON(t, func(l *slog.Logger) {
		l.Info("g",
			slog.Group("person", slog.String("cpf", testCPF), slog.String("city", "São Paulo"),
				slog.Group("contact", slog.String("phone", "x"), slog.String("note", "mail a@b.com"))),
			slog.Group("body", slog.String("anything", "Maria")),
			slog.Group("", slog.String("email", "inline@x.com")),
		)
	})
	if path(m, "person", "cpf") != Redacted || path(m, "person", "city") != "São Paulo" {
		t.Errorf("person: %s", line)
	}
	if path(m, "person", "contact", "phone") != Redacted || path(m, "person", "contact", "note") != "mail [EMAIL]" {
		t.Errorf("contact: %s", line)
	}
	if m["body"] != Redacted || m["email"] != Redacted {
		t.Errorf("body/inline: %s", line)
	}
}

func TestHandlerWithAndWithGroup(t *testing.T) {
	ctx := WithRequestID(context.Background(), "req-42")
	m, line := logJSON(t, func(l *slog.Logger) {
		l.With("cpf", testCPF, "service", "gateway", "msgNote", "Bearer abcDEF123").
			WithGroup("req").With("email", "x@y.com", "route", "/v1/"+testCPFDigits).
			WithGroup("inner").
			InfoContext(ctx, "hello", "phone", "+5511987654321", "status", 201)
	})
	if m["cpf"] != Redacted || m["service"] != "gateway" || m["msgNote"] != "Bearer [REDACTED]" {
		t.Errorf("With attrs: %s", line)
	}
	if path(m, "req", "email") != Redacted || path(m, "req", "route") != "/v1/[CPF]" {
		t.Errorf("group attrs: %s", line)
	}
	if path(m, "req", "inner", "phone") != Redacted || path(m, "req", "inner", "status") != float64(201) {
		t.Errorf("record attrs in groups: %s", line)
	}
	if m[RequestIDKey] != "req-42" {
		t.Errorf("requestId not top-level: %s", line)
	}

	// Everything under a sensitive group name is redacted.
	m, line = logJSON(t, func(l *slog.Logger) {
		l.WithGroup("body").With("a", "Maria").Info("m", "b", "José", slog.Group("g", "c", "x"))
	})
	if path(m, "body", "a") != Redacted || path(m, "body", "b") != Redacted || path(m, "body", "g") != Redacted {
		t.Errorf("sensitive group: %s", line)
	}
}

type person struct {
	CPF     string `json:"cpf"`
	Name    string
	City    string
	Age     int
	Contact struct {
		Email string `json:"email"`
		Note  string `json:"note"`
	} `json:"contact"`
	Docs []map[string]any `json:"docs"`
	priv string
}

type valuer struct{ cpf string }

func (v valuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("cpf", v.cpf), slog.String("kind", "valuer"))
}

type stringerOnly struct{ ch chan int }

func (s stringerOnly) String() string { return "ch holder" }

func TestHandlerNestedValues(t *testing.T) {
	p := person{CPF: testCPF, Name: "Maria Souza", City: "Recife", Age: 41}
	p.Contact.Email = "maria@example.com"
	p.Contact.Note = "alt cpf " + testCPFDigits
	p.Docs = []map[string]any{{"fileContents": "JVBERi0x", "type": "RG"}, {"selfie": "abc", "n": 5511987654321}}
	p.priv = "hidden"
	m, line := logJSON(t, func(l *slog.Logger) {
		l.Info("nested",
			"p", p,
			"ptr", &p,
			"m", map[string]any{"password": "hunter2hunter2", "list": []string{"ok", testCPFDigits}, testCPFDigits: "key is a cpf"},
			"v", valuer{cpf: testCPF},
			"raw", []byte("raw selfie bytes"),
			"unmarshalable", struct {
				C    chan int
				Note string
			}{Note: testCPF},
		)
	})
	for _, k := range []string{"p", "ptr"} {
		if path(m, k, "cpf") != Redacted || path(m, k, "Name") != Redacted || path(m, k, "City") != "Recife" ||
			path(m, k, "contact", "email") != Redacted || path(m, k, "contact", "note") != "alt cpf [CPF]" {
			t.Errorf("%s: %s", k, line)
		}
	}
	if path(m, "m", "password") != Redacted || path(m, "m", "[CPF]") != "key is a cpf" {
		t.Errorf("map: %s", line)
	}
	if path(m, "v", "cpf") != Redacted || path(m, "v", "kind") != "valuer" {
		t.Errorf("LogValuer: %s", line)
	}
	if m["raw"] != "[16 bytes]" {
		t.Errorf("raw = %v", m["raw"])
	}
	if s, _ := m["unmarshalable"].(string); !strings.Contains(s, "[CPF]") {
		t.Errorf("fallback: %v", m["unmarshalable"])
	}
	if f := FindPII(line, testCPF, testCPFDigits, "Maria Souza", "maria@example.com", "hunter2hunter2", "JVBERi0x", "raw selfie"); len(f) > 0 {
		t.Errorf("PII in %s: %v", line, f)
	}
}

func TestTextHandlerWrapped(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewHandler(slog.NewTextHandler(&buf, nil)))
	l.Info("t", "p", map[string]string{"cpf": "1", "city": "Natal"}, "note", testCPF)
	out := buf.String()
	if !strings.Contains(out, `p="{\"city\":\"Natal\",\"cpf\":\"[REDACTED]\"}"`) || !strings.Contains(out, "note=[CPF]") {
		t.Errorf("text handler output: %s", out)
	}
}

func TestRequestID(t *testing.T) {
	if RequestID(context.Background()) != "" || RequestID(nil) != "" { //nolint:staticcheck // nil is allowed
		t.Fatal("empty context has a request id")
	}
	ctx := WithRequestID(context.Background(), testUUID)
	if RequestID(ctx) != testUUID {
		t.Fatal("request id lost")
	}
	m, _ := logJSON(t, func(l *slog.Logger) { l.InfoContext(ctx, "with") })
	if m[RequestIDKey] != testUUID {
		t.Errorf("requestId = %v", m[RequestIDKey])
	}
	m, _ = logJSON(t, func(l *slog.Logger) { l.Info("without") })
	if _, ok := m[RequestIDKey]; ok {
		t.Errorf("requestId present without context")
	}
	// Propagates through With and derived contexts.
	child, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	m, _ = logJSON(t, func(l *slog.Logger) { l.With("a", 1).WarnContext(child, "derived") })
	if m[RequestIDKey] != testUUID {
		t.Errorf("derived requestId = %v", m[RequestIDKey])
	}
}

func TestLevel(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, slog.LevelWarn)
	l.Info("hidden")
	l.Warn("shown")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), "shown") {
		t.Errorf("level filtering: %s", buf.String())
	}
}

func TestSlogConformance(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf.Reset()
		return NewHandler(slog.NewJSONHandler(&buf, nil))
	}, func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	})
}

func TestCapture(t *testing.T) {
	l, buf := NewCapture()
	l.Debug("debug line", "cpf", testCPF)
	if !strings.Contains(buf.String(), "debug line") || strings.Contains(buf.String(), testCPF) {
		t.Errorf("capture: %s", buf.String())
	}
	buf.Reset()
	if buf.String() != "" {
		t.Error("Reset")
	}
}

func TestFindPII(t *testing.T) {
	name := "Joana Ferreira"
	token := "tok-Zx81-secret"
	text := `{"msg":"hi","who":"JOANA FERREIRA","t":"tok-Zx81-secret"}`
	f := FindPII(text, testCPF, name, token, "")
	if len(f) != 2 || !strings.HasPrefix(f[0], "planted[1]") || !strings.HasPrefix(f[1], "planted[2]") {
		t.Errorf("planted findings = %v", f)
	}
	// JSON-escaped planted value.
	if f := FindPII(`{"n":"a\"b"}`, `a"b`); len(f) != 1 {
		t.Errorf("escaped planted = %v", f)
	}
	generic := map[string]string{
		"cpf":       "x 123.456.789-09 y",
		"cpfDigits": "x 12345678909 y",
		"pem":       `k -----BEGIN RSA PRIVATE KEY-----\nMIIE`,
		"jwt":       "a " + testJWT,
		"email":     "to someone@example.com",
		"phone":     "tel +55 11 98765-4321",
		"bearer":    "Authorization: Bearer aBc123",
	}
	for k, s := range generic {
		if f := FindPII(s); len(f) == 0 {
			t.Errorf("%s: nothing found in %q", k, s)
		}
		if f := FindPII(Redact(s)); len(f) != 0 {
			t.Errorf("%s: found %v in redacted %q", k, f, Redact(s))
		}
	}
	clean := `{"time":"2024-05-15T10:55:55.123456789-03:00","level":"INFO","msg":"ok","requestId":"` + testUUID +
		`","processId":"7d3c0000-0000-4000-8000-551234567890","cpf":"[REDACTED]","n":"[CPF]","status":200,"ms":1715770555123}`
	if f := FindPII(clean); len(f) != 0 {
		t.Errorf("false positives in clean text: %v", f)
	}
}

func TestConcurrentLogging(t *testing.T) {
	l, buf := NewCapture()
	l = l.With("svc", "x").WithGroup("g")
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := 0; j < 50; j++ {
				l.Info("m", "cpf", testCPF, "i", j)
			}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	if n := strings.Count(buf.String(), "\n"); n != 400 {
		t.Errorf("lines = %d", n)
	}
	if f := FindPII(buf.String(), testCPF); len(f) > 0 {
		t.Errorf("PII: %v", f)
	}
}

func BenchmarkLogLine(b *testing.B) {
	l := New(io.Discard, slog.LevelInfo)
	ctx := WithRequestID(context.Background(), testUUID)
	b.ReportAllocs()
	for b.Loop() {
		l.InfoContext(ctx, "request handled", "route", "/v1/liveness", "status", 200,
			"processId", testUUID, "durationMs", 35)
	}
}

func BenchmarkLogLineWithPII(b *testing.B) {
	l := New(io.Discard, slog.LevelInfo)
	ctx := WithRequestID(context.Background(), testUUID)
	b.ReportAllocs()
	for b.Loop() {
		l.InfoContext(ctx, "lookup "+testCPF, "cpf", testCPF, "note", "mail a@b.com", "status", 200)
	}
}

func BenchmarkRedactClean(b *testing.B) {
	s := "request handled processId=" + testUUID + " at 2024-05-15T10:55:55Z status=200"
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(s)
	}
}
