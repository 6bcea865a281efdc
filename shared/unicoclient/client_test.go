package unicoclient

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

func TestCreateProcessWire(t *testing.T) {
	e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, processBody)
	}})
	req := unico.CreateProcessRequest{CallbackURI: "/", Flow: unico.FlowIDLive, Purpose: unico.PurposeCreditProcess,
		Person: &unico.Person{DUIType: unico.DUITypeBRCPF, DUIValue: testCPF}}
	p, err := e.client.CreateProcess(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "53060f52-f146-4c12-a234-5bb5031f6f5b" || p.State != unico.ProcessStateCreated || p.Token != "sdk-token" || !p.ExpiresAt.Valid {
		t.Errorf("%+v", p)
	}
	r := e.request(0)
	if r.Method != http.MethodPost || r.URL.Path != "/client/v1/process" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Authorization") != "Bearer tok-1" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("APIKEY") != "" {
		t.Errorf("headers %v", r.Header)
	}
	if b := e.body(0); b != `{"callbackUri":"/","flow":"idlive","person":{"duiType":"DUI_TYPE_BR_CPF","duiValue":"73689290074"},"purpose":"creditprocess"}` {
		t.Errorf("body %s", b)
	}
}

func TestByUnicoGETs(t *testing.T) {
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'}
	pdf := []byte("%PDF-1.5\n...")
	e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/client/v1/process/p1":
			writeJSON(w, 200, processBody)
		case "/client/v1/process/p1/selfie":
			writeJSON(w, 200, fmt.Sprintf(`{"fileContents":%q,"contentType":"image/jpeg"}`, base64.StdEncoding.EncodeToString(jpeg)))
		case "/client/v1/process/p1/evidenceset":
			writeJSON(w, 200, fmt.Sprintf(`{"fileContents":%q,"contentType":"x-pdf"}`, base64.StdEncoding.EncodeToString(pdf)))
		case "/client/v1/process/p1/document":
			writeJSON(w, 200, `{"process":{"id":"p1","person":{"duiType":"DUI_TYPE_BR_CPF","duiValue":"73689290074"}}}`)
		default:
			writeJSON(w, 404, `{"code":5,"message":"not found"}`)
		}
	}})
	ctx := context.Background()
	if p, err := e.client.GetProcess(ctx, "p1"); err != nil || p.Flow != unico.FlowIDLive {
		t.Fatal(p, err)
	}
	a, err := e.client.GetSelfie(ctx, "p1", true)
	if err != nil || a.ContentType != "image/jpeg" || string(a.Data) != string(jpeg) {
		t.Fatal(a, err)
	}
	if q := e.request(1).URL.RawQuery; q != "raw=true" {
		t.Errorf("raw query %q", q)
	}
	if _, err := e.client.GetSelfie(ctx, "p1", false); err != nil || e.request(2).URL.RawQuery != "" {
		t.Errorf("no raw: %v", err)
	}
	a, err = e.client.GetEvidenceSet(ctx, "p1")
	if err != nil || a.ContentType != "application/pdf" || string(a.Data) != string(pdf) {
		t.Fatal(a, err)
	}
	p, err := e.client.SetProcessDocument(ctx, "p1", unico.DUITypeBRCPF, testCPF)
	if err != nil || p.Person.DUIValue != testCPF {
		t.Fatal(err)
	}
	if b := e.body(4); b != `{"duiType":"DUI_TYPE_BR_CPF","duiValue":"73689290074"}` || e.request(4).Method != http.MethodPost {
		t.Errorf("set document body %s", b)
	}
	_, err = e.client.GetProcess(ctx, "missing")
	var ae *unico.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 404 || ae.Code != "5" {
		t.Errorf("404: %v", err)
	}
	for _, bad := range []string{"", "..", "a/b", "p1?x=1", strings.Repeat("a", 200)} {
		if _, err := e.client.GetProcess(ctx, bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("id %q: %v", bad, err)
		}
	}
}

func TestUnknownEnumsAreLogged(t *testing.T) {
	e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"process":{"id":"p9","flow":"idunicodocs_r2","state":"PROCESS_STATE_AWAITING_FOR_DOCUMENT",
		"person":{"duiType":"DUI_TYPE_BR_CPF","duiValue":"73689290074","friendlyName":"Luke Skywalker"},
		"authenticationInfo":{"livenessResult":"LIVENESS_RESULT_MAYBE"}}}`)
	}})
	p, err := e.client.GetProcess(context.Background(), "p9")
	if err != nil || p.State != "PROCESS_STATE_AWAITING_FOR_DOCUMENT" {
		t.Fatal(err)
	}
	logs := e.logs.String()
	for _, want := range []string{`"processId":"p9"`, "flow=idunicodocs_r2", "state=PROCESS_STATE_AWAITING_FOR_DOCUMENT", "authenticationInfo.livenessResult=LIVENESS_RESULT_MAYBE"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, secret := range []string{testCPF, "Luke", "tok-1"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks %q", secret)
		}
	}
}

func Test401RefreshesOnceAndRetriesOnce(t *testing.T) {
	t.Run("always 401", func(t *testing.T) {
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprint(w, "Unauthorized")
		}})
		_, err := e.client.GetProcess(context.Background(), "p1")
		var ae *unico.APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != 401 {
			t.Fatalf("want 401, got %v", err)
		}
		if e.hits.Load() != 2 || e.tokens.mints.Load() != 2 {
			t.Errorf("requests %d mints %d, want 2 and 2", e.hits.Load(), e.tokens.mints.Load())
		}
		if e.request(0).Header.Get("Authorization") != "Bearer tok-1" || e.request(1).Header.Get("Authorization") != "Bearer tok-2" {
			t.Error("retry must use the new token")
		}
	})
	t.Run("POST create recovers", func(t *testing.T) {
		var n atomic.Int64
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.WriteHeader(401)
				return
			}
			writeJSON(w, 200, `{"id":"c1","status":3,"liveness":1}`)
		}})
		p, err := e.client.CreateClientProcess(context.Background(), unico.CapabilityLiveness, unico.ClientProcessRequest{ImageBase64: testSelfie})
		if err != nil || p.ID != "c1" || e.hits.Load() != 2 || e.tokens.mints.Load() != 2 {
			t.Fatalf("%v %v hits=%d", p, err, e.hits.Load())
		}
		if e.body(0) != e.body(1) {
			t.Error("the retried POST must carry the same body")
		}
	})
}

func Test429PassesThroughWithRetryAfter(t *testing.T) {
	date := time.Date(2026, 3, 1, 12, 0, 42, 0, time.UTC).Format(http.TimeFormat)
	for name, header := range map[string]string{"seconds": "7", "date": date} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", header)
				w.WriteHeader(429)
			}})
			_, err := e.client.GetProcess(context.Background(), "p1")
			var ae *unico.APIError
			want := 7 * time.Second
			if name == "date" {
				want = 42 * time.Second
			}
			if !errors.As(err, &ae) || ae.HTTPStatus != 429 || ae.RetryAfter != want || !unico.IsRateLimited(err) {
				t.Fatalf("got %v", err)
			}
			if e.hits.Load() != 1 {
				t.Errorf("429 retried: %d requests", e.hits.Load())
			}
		})
	}
}

func TestPOSTNeverRetried(t *testing.T) {
	ctx := context.Background()
	t.Run("500", func(t *testing.T) {
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 500, `{"code":99999,"message":"Internal failure! Try again later"}`)
		}})
		_, err := e.client.CreateProcess(ctx, unico.CreateProcessRequest{Flow: unico.FlowID})
		if unico.HTTPStatus(err) != 500 || e.hits.Load() != 1 {
			t.Errorf("by Unico: %v, %d requests", err, e.hits.Load())
		}
		_, err = e.client.CreateClientProcess(ctx, unico.CapabilityLiveness, unico.ClientProcessRequest{})
		if unico.HTTPStatus(err) != 500 || e.hits.Load() != 2 {
			t.Errorf("by Client: %v, %d requests", err, e.hits.Load())
		}
		_, err = e.client.SetProcessDocument(ctx, "p1", unico.DUITypeBRCPF, testCPF)
		if unico.HTTPStatus(err) != 500 || e.hits.Load() != 3 || errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("set document: %v, %d requests", err, e.hits.Load())
		}
	})
	t.Run("504 from a proxy is outcome-unknown", func(t *testing.T) {
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(504) }})
		_, err := e.client.CreateClientProcess(ctx, unico.CapabilityLiveness, unico.ClientProcessRequest{})
		if unico.HTTPStatus(err) != 504 || !errors.Is(err, ErrOutcomeUnknown) || e.hits.Load() != 1 {
			t.Errorf("%v, %d requests", err, e.hits.Load())
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, envOpts{
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
			},
			cfg: func(c *Config) { c.Timeout = 200 * time.Millisecond },
		})
		start := time.Now()
		_, err := e.client.CreateClientProcess(ctx, unico.CapabilityLiveness, unico.ClientProcessRequest{ImageBase64: testSelfie})
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want outcome unknown + deadline, got %v", err)
		}
		if time.Since(start) > time.Second || e.hits.Load() != 1 {
			t.Errorf("took %v, %d requests", time.Since(start), e.hits.Load())
		}
		_, err = e.client.CreateProcess(ctx, unico.CreateProcessRequest{Flow: unico.FlowID})
		if !errors.Is(err, ErrOutcomeUnknown) || e.hits.Load() != 2 {
			t.Errorf("by Unico: %v, %d requests", err, e.hits.Load())
		}
	})
	t.Run("connection refused is not unknown", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		e := newEnv(t, envOpts{cfg: func(c *Config) { c.ByUnicoURL = "http://" + addr }})
		_, err := e.client.CreateProcess(ctx, unico.CreateProcessRequest{Flow: unico.FlowID})
		if err == nil || errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("got %v", err)
		}
	})
}

func TestGETRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("503 then OK", func(t *testing.T) {
		var n atomic.Int64
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				w.WriteHeader(503)
				return
			}
			writeJSON(w, 200, processBody)
		}})
		if _, err := e.client.GetProcess(ctx, "p1"); err != nil || e.hits.Load() != 3 {
			t.Fatalf("%v after %d requests", err, e.hits.Load())
		}
	})
	t.Run("503 gives up after 2 retries", func(t *testing.T) {
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }})
		if _, err := e.client.GetProcess(ctx, "p1"); unico.HTTPStatus(err) != 503 || e.hits.Load() != 3 {
			t.Fatalf("%v after %d requests", err, e.hits.Load())
		}
	})
	t.Run("connection reset then OK", func(t *testing.T) {
		var n atomic.Int64
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
				return
			}
			writeJSON(w, 200, `{"items":[{}]}`)
		}})
		docs, err := e.client.ListReusableDocuments(ctx, unico.CapabilityDocuments, testCPF, unico.ReusableQueryCNH)
		if err != nil || !docs.Empty() || e.hits.Load() != 2 {
			t.Fatalf("%v after %d requests", err, e.hits.Load())
		}
		r := e.request(1)
		if r.URL.Path != "/documents/v1" || r.URL.Query().Get("code") != testCPF || r.URL.Query().Get("type") != "BR_CNH" || r.Header.Get("APIKEY") != "apikey-docs" {
			t.Errorf("request %s %v", r.URL, r.Header)
		}
	})
	t.Run("4xx not retried", func(t *testing.T) {
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"code":3,"message":"process id is invalid"}`)
		}})
		if _, err := e.client.GetProcess(ctx, "p1"); unico.HTTPStatus(err) != 400 || e.hits.Load() != 1 {
			t.Fatalf("%v after %d", err, e.hits.Load())
		}
	})
}

func TestSignedDocument(t *testing.T) {
	pdf := []byte("%PDF-1.7\n\x00\x01binary")
	b64 := base64.StdEncoding.EncodeToString(pdf)
	bodies := map[string]string{
		"binary":        string(pdf),
		"base64":        b64,
		"base64 lines":  b64[:8] + "\r\n" + b64[8:] + "\n",
		"json string":   fmt.Sprintf("%q", b64),
		"fileContents":  fmt.Sprintf(`{"fileContents":%q,"contentType":"application/pdf"}`, b64),
		"sign envelope": fmt.Sprintf(`{"Sucess":true,"Message":"","Data":%q}`, b64),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/service/file/doc-1" {
					w.WriteHeader(404)
					return
				}
				fmt.Fprint(w, body)
			}})
			a, err := e.client.GetSignedDocument(context.Background(), "doc-1")
			if err != nil || a.ContentType != "application/pdf" || string(a.Data) != string(pdf) {
				t.Fatalf("%v %v", a, err)
			}
		})
	}
	t.Run("garbage", func(t *testing.T) {
		e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<<not base64>>") }})
		if _, err := e.client.GetSignedDocument(context.Background(), "doc-1"); err == nil || strings.Contains(err.Error(), "not base64>>") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("evidence path and sign error", func(t *testing.T) {
		e := newEnv(t, envOpts{
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/custom/doc-1/evidence" {
					fmt.Fprint(w, b64)
					return
				}
				writeJSON(w, 500, `{"Sucess":false,"Message":"erro","Data":null}`)
			},
			cfg: func(c *Config) { c.SignEvidencePath = "/custom/{documentId}/evidence" },
		})
		if a, err := e.client.GetSignatureEvidence(context.Background(), "doc-1"); err != nil || string(a.Data) != string(pdf) {
			t.Fatal(err)
		}
		_, err := e.client.GetSignedDocument(context.Background(), "doc-1")
		var ae *unico.APIError
		if !errors.As(err, &ae) || ae.Code != "sign_error" || e.hits.Load() != 4 { // 1 + 3 attempts (500 is retried for GET)
			t.Fatalf("%v hits=%d", err, e.hits.Load())
		}
	})
}

func TestGetClientProcess(t *testing.T) {
	e := newEnv(t, envOpts{handler: func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/processes/v1/gone5":
			writeJSON(w, 410, `{"id":"gone5","status":5}`)
		case "/processes/v1/gone":
			w.WriteHeader(410)
		case "/processes/v2/ok":
			writeJSON(w, 200, `{"id":"ok","status":3,"unicoId":{"result":"yes"},"government":{"serpro":87},"liveness":1,
			"processAdditionalInfo":{"transactionId":"t1","personName":"Luke","personDocument":"73689290074","personImage":"/9j/","finishedAt":"2024-01-01T00:00:00Z"}}`)
		default:
			w.WriteHeader(404)
		}
	}})
	ctx := context.Background()
	p, err := e.client.GetClientProcess(ctx, unico.CapabilityLiveness, "gone5", false)
	if err != nil || p.Status != 5 || p.ID != "gone5" {
		t.Fatalf("410 status 5: %v %v", p, err)
	}
	if e.request(0).Header.Get("APIKEY") != testAPIKey {
		t.Error("APIKEY header")
	}
	if _, err := e.client.GetClientProcess(ctx, unico.CapabilityLiveness, "gone", false); unico.HTTPStatus(err) != 410 {
		t.Fatalf("bare 410: %v", err)
	}
	p, err = e.client.GetClientProcess(ctx, unico.CapabilityLiveness, "ok", true)
	if err != nil || !p.UnicoID.Yes() || *p.Government.Serpro != 87 || p.ProcessAdditionalInfo.TransactionID != "t1" {
		t.Fatalf("v2: %v %v", p, err)
	}
	if e.hits.Load() != 3 {
		t.Errorf("4xx must not be retried: %d", e.hits.Load())
	}
}

func TestMissingAPIKey(t *testing.T) {
	e := newEnv(t, envOpts{})
	_, err := e.client.CreateClientProcess(context.Background(), unico.CapabilityRiskScore, unico.ClientProcessRequest{ImageBase64: testSelfie})
	if !errors.Is(err, ErrMissingAPIKey) || !strings.Contains(err.Error(), `"riskScore"`) || e.hits.Load() != 0 {
		t.Fatalf("%v", err)
	}
	for _, secret := range []string{testAPIKey, "apikey-docs", testSelfie} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("leak %q", secret)
		}
	}
}

// TestErrorsAndLogsArePIIFree runs failing calls carrying a known CPF, selfie JWT, API key, token
// and PEM, with Unico echoing the request in its error body, and checks that no error string and
// no log line contains any of them.
func TestErrorsAndLogsArePIIFree(t *testing.T) {
	_, pemText, _ := keys(t)
	pemLine := strings.Split(pemText, "\n")[1]
	secrets := []string{testCPF, "736.892.900-74", testSelfie, "SELFIE-SECRET", testAPIKey, "Luke Skywalker", "luke@unico.io", pemLine}
	echo := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if len(body) == 0 {
			body = []byte("null")
		}
		writeJSON(w, 400, fmt.Sprintf(`{"error":{"code":"20507","description":%q},"request":%s}`,
			"subject.code invalid: "+testCPF+" for Luke Skywalker, image "+testSelfie+" key "+r.Header.Get("APIKEY")+" "+r.Header.Get("Authorization"),
			string(body)))
	}
	var errs []error
	e := newEnv(t, envOpts{handler: echo})
	ctx := context.Background()
	req := unico.ClientProcessRequest{Subject: unico.Subject{Code: testCPF, Name: "Luke Skywalker", Email: "luke@unico.io"}, ImageBase64: testSelfie}
	_, err := e.client.CreateClientProcess(ctx, unico.CapabilityLiveness, req)
	errs = append(errs, err)
	var ae *unico.APIError
	if !errors.As(err, &ae) || ae.Code != "20507" || !strings.Contains(ae.Message, testCPF) {
		t.Fatalf("setup: %v", err)
	}
	_, err = e.client.CreateProcess(ctx, unico.CreateProcessRequest{Flow: unico.FlowID, Person: &unico.Person{DUIType: unico.DUITypeBRCPF, DUIValue: testCPF, FriendlyName: "Luke Skywalker"}})
	errs = append(errs, err)
	_, err = e.client.SetProcessDocument(ctx, "p1", unico.DUITypeBRCPF, testCPF)
	errs = append(errs, err)
	_, err = e.client.ListReusableDocuments(ctx, unico.CapabilityLiveness, testCPF, "BR_CNH")
	errs = append(errs, err)

	// Transport failures: the URL (with the CPF in its query) must not surface.
	dead := newEnv(t, envOpts{
		handler: func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		},
	})
	_, err = dead.client.ListReusableDocuments(ctx, unico.CapabilityLiveness, testCPF, "BR_CNH")
	errs = append(errs, err)
	_, err = dead.client.CreateClientProcess(ctx, unico.CapabilityLiveness, req)
	errs = append(errs, err)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("broken connection after sending a POST must be outcome-unknown: %v", err)
	}

	// Token failures: bad PEM, token host echoing the assertion.
	badKey := newEnv(t, envOpts{creds: func(context.Context) (unico.Credentials, error) {
		c := testCreds()
		c.PrivateKeyPEM = "-----BEGIN PRIVATE KEY-----\n" + pemLine + "\n-----END PRIVATE KEY-----\n"
		return c, nil
	}})
	_, err = badKey.client.GetProcess(ctx, "p1")
	errs = append(errs, err)
	badKey.tokens.setRespond(func(int64) (int, string) {
		return 401, `{"error":"server_error","error_description":"1.2.5 ` + pemLine + `"}`
	})
	_, err = newEnvTokenEcho(t).client.GetProcess(ctx, "p1")
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: expected an error", i)
		}
		t.Logf("case %d: %v", i, err)
		msg := err.Error() + fmt.Sprintf(" %v %+v", err, err)
		for _, s := range append(secrets, "tok-1", "tok-2") {
			if strings.Contains(msg, s) {
				t.Errorf("case %d: error leaks %q: %s", i, s, err)
			}
		}
	}
	for _, l := range []*logBuffer{e.logs, dead.logs, badKey.logs} {
		for _, s := range append(secrets, "tok-1", "tok-2") {
			if strings.Contains(l.String(), s) {
				t.Errorf("log leaks %q:\n%s", s, l.String())
			}
		}
	}
}

// newEnvTokenEcho is an env whose token host echoes the assertion and the PEM in its error.
func newEnvTokenEcho(t *testing.T) *env {
	e := newEnv(t, envOpts{})
	_, pemText, _ := keys(t)
	e.tokens.setRespond(func(int64) (int, string) {
		return 401, fmt.Sprintf(`{"error":"server_error","error_description":"Falha na autenticação 1.2.22 %q"}`, pemText)
	})
	return e
}

func TestConfigValidation(t *testing.T) {
	creds := func(context.Context) (unico.Credentials, error) { return testCreds(), nil }
	bad := []Config{
		{},
		{AuthURL: "identityhomolog.acesso.io"},
		{AuthURL: "https://x", Timeout: 30 * time.Second},
		{AuthURL: "https://x", ByClientCreateTimeout: 29 * time.Second},
		{AuthURL: "https://x", SignEvidencePath: "/no/placeholder"},
		{AuthURL: "https://x", ByUnicoURL: "https://y?q=1"},
	}
	for i, c := range bad {
		if _, err := New(c, creds); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if _, err := New(Config{AuthURL: "https://x"}, nil); err == nil {
		t.Error("nil creds accepted")
	}
	c, err := New(Config{AuthURL: "https://identityhomolog.acesso.io/"}, creds)
	if err != nil || c.cfg.Audience != "https://identityhomolog.acesso.io" || c.cfg.Timeout != DefaultTimeout || c.cfg.ByClientCreateTimeout != DefaultByClientCreateTimeout {
		t.Errorf("defaults: %+v %v", c.cfg, err)
	}
	if _, err := c.GetProcess(context.Background(), "p1"); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("unset base URL: %v", err)
	}
	c, _ = New(Config{AuthURL: "https://x", Timeout: 5 * time.Second}, creds)
	if c.cfg.ByClientCreateTimeout != 5*time.Second {
		t.Error("Timeout applies to every call when set")
	}
}

func TestArtefactStringHidesBytes(t *testing.T) {
	a := Artefact{ContentType: "image/jpeg", Data: []byte("SELFIE-SECRET")}
	if s := fmt.Sprintf("%v %+v %#v", a, a, a); strings.Contains(s, "SELFIE") || !strings.Contains(s, "13 bytes") {
		t.Error(s)
	}
}
