package unicosim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCreateProcessEveryFlow(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.JourneyBaseURL = "http://127.0.0.1:1/journey/" })
	f.mint()
	for _, flow := range append(KnownFlows(), "idunicodocs_r2") {
		code, b, _ := f.call("POST", "/client/v1/process/", createBody(flow, "73689290074"))
		if code != 200 {
			t.Fatalf("%s: %d %s", flow, code, b)
		}
		p := dig(mustJSON(t, b), "process").(map[string]any)
		id, _ := p["id"].(string)
		if !isUUID(id) || id[14] != '4' {
			t.Fatalf("%s: id %q is not a uuid v4", flow, id)
		}
		want := map[string]any{
			"flow": flow, "state": "PROCESS_STATE_CREATED", "result": "PROCESS_RESULT_UNSPECIFIED",
			"userRedirectUrl": "http://127.0.0.1:1/journey/" + id, "purpose": "creditprocess",
			"callbackUri": "https://app.example.com/done",
		}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("%s: %s = %v, want %v", flow, k, p[k], v)
			}
		}
		if p["token"] == "" || p["createdAt"] == nil || dig(p, "person", "duiValue") != "73689290074" {
			t.Errorf("%s: missing token/createdAt/person: %v", flow, p)
		}
		created, _ := time.Parse(time.RFC3339Nano, p["createdAt"].(string))
		expires, _ := time.Parse(time.RFC3339Nano, p["expiresAt"].(string))
		if expires.Sub(created) != 7*24*time.Hour {
			t.Errorf("%s: default expiry %v", flow, expires.Sub(created))
		}
		ai := p["authenticationInfo"].(map[string]any)
		for _, k := range []string{"authenticationResult", "livenessResult", "bioTokenEngineResult", "trustResult",
			"identityFraudstersResult", "faceWithOtherIdResult", "frictionlessResult", "riskLevelResult", "smartRevalidationResult"} {
			if s, _ := ai[k].(string); !strings.HasSuffix(s, "_UNSPECIFIED") {
				t.Errorf("%s: %s = %v", flow, k, ai[k])
			}
		}
		if dig(ai, "scoreEngineResult", "scoreEnabled") != "SCORE_ENABLED_UNSPECIFIED" || ai["authenticationId"] != "" {
			t.Errorf("%s: authenticationInfo %v", flow, ai)
		}
		if caps, _ := p["capacities"].([]any); len(caps) == 0 || caps[0] != "PROCESS_CAPACITY_IDLIVE" {
			t.Errorf("%s: capacities %v", flow, p["capacities"])
		}
	}
	if st := f.sim.Stats(); st.Calls["POST /client/v1/process"] != len(KnownFlows())+1 {
		t.Fatalf("calls %v", st.Calls)
	}
}

func TestCreateProcessValidation(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	mod := func(flow string, m func(b map[string]any)) map[string]any {
		b := createBody(flow, "73689290074")
		m(b)
		return b
	}
	person := func(b map[string]any) map[string]any { return b["person"].(map[string]any) }
	cases := []struct {
		name string
		body any
		want string
	}{
		{"invalid flow", mod("id", func(b map[string]any) { b["flow"] = "idfoo" }), "invalid flow"},
		{"missing flow", mod("id", func(b map[string]any) { delete(b, "flow") }), "invalid flow"},
		{"friendly name", mod("id", func(b map[string]any) { person(b)["friendlyName"] = strings.Repeat("a", 51) }), "invalid person: friendly name exceeds 50 characters."},
		{"purpose", mod("id", func(b map[string]any) { b["purpose"] = "onboarding" }), "invalid purpose"},
		{"callbackUri", mod("id", func(b map[string]any) { delete(b, "callbackUri") }), msgEmptyCallback},
		{"email channel", mod("id", func(b map[string]any) {
			delete(person(b), "email")
			person(b)["notifications"] = []any{map[string]any{"notificationChannel": "NOTIFICATION_CHANNEL_EMAIL"}}
		}), "invalid person: email required for notification channel NOTIFICATION_CHANNEL_EMAIL"},
		{"bad email", mod("id", func(b map[string]any) {
			person(b)["email"] = "luke at unico"
			person(b)["notifications"] = []any{map[string]any{"notificationChannel": "NOTIFICATION_CHANNEL_EMAIL"}}
		}), "invalid person: invalid email address for notification channel NOTIFICATION_CHANNEL_EMAIL"},
		{"whatsapp 12 digits", mod("id", func(b map[string]any) { person(b)["phone"] = "551197474909" }),
			"invalid person: phone number does not contain 13 chars for notification channel NOTIFICATION_CHANNEL_WHATSAPP"},
		{"sms no phone", mod("id", func(b map[string]any) {
			delete(person(b), "phone")
			person(b)["notifications"] = []any{map[string]any{"notificationChannel": "NOTIFICATION_CHANNEL_SMS"}}
		}), "invalid person: phone number required for notification channel NOTIFICATION_CHANNEL_SMS"},
		{"invalid cpf", mod("id", func(b map[string]any) { person(b)["duiValue"] = "73689290075" }), msgInvalidDUI},
		{"formatted cpf", mod("id", func(b map[string]any) { person(b)["duiValue"] = "736.892.900-74" }), msgInvalidDUI},
		{"sign without payload", mod("idunicosign", func(b map[string]any) { delete(b, "payload") }), "invalid payload: payload is required for electronic signature flows"},
		{"sign payload not pdf", mod("idsign", func(b map[string]any) {
			b["payload"] = []any{map[string]any{"envelopePayload": map[string]any{"documents": []any{
				map[string]any{"documentName": "x", "fileContents": base64.StdEncoding.EncodeToString([]byte("hello"))}}}}}
		}), "invalid payload: payload[0].envelopePayload.documents[0].fileContents is not a PDF"},
		{"idtoken without bioTokenId", mod("idtoken", func(b map[string]any) { delete(b, "bioTokenId") }), "invalid bioTokenId: bioTokenId is required for flow idtoken"},
		{"idsmart without useCase", mod("idsmart", func(b map[string]any) { delete(b, "useCase") }), "invalid useCase: useCase is required for flow idsmart"},
		{"bad expiresIn", mod("id", func(b map[string]any) { b["expiresIn"] = "3600" }), `invalid expiresIn: must be seconds with an "s" suffix, e.g. "3600s"`},
		{"literal dotted key", mod("id", func(b map[string]any) { b["person.friendlyName"] = "x" }), `proto: unknown field "person.friendlyName"`},
		{"capitalised key", mod("id", func(b map[string]any) { b["Flow"] = "id" }), `proto: unknown field "Flow"`},
		{"no person", mod("id", func(b map[string]any) { delete(b, "person") }), "invalid person: person is required"},
		{"broken json", `{"flow": "id",`, "proto: syntax error: body must be a JSON object"},
	}
	for _, c := range cases {
		code, b, _ := f.call("POST", "/client/v1/process", c.body)
		m := mustJSON(t, b)
		if code != 400 || m["code"] != float64(3) || m["message"] != c.want {
			t.Errorf("%s: %d %s, want 400 code 3 %q", c.name, code, b, c.want)
		}
		if d, ok := m["details"].([]any); !ok || len(d) != 0 {
			t.Errorf("%s: details %v", c.name, m["details"])
		}
	}
	// snake_case proto names and expiresIn are accepted.
	b := createBody("id", "73689290074")
	b["callback_uri"] = b["callbackUri"]
	delete(b, "callbackUri")
	b["expires_in"] = "3600s"
	b["flow_config"] = map[string]any{"biometry_capture": map[string]any{"enabled_back_camera": true}}
	code, body, _ := f.call("POST", "/client/v1/process", b)
	if code != 200 {
		t.Fatalf("snake_case body: %d %s", code, body)
	}
	p := dig(mustJSON(t, body), "process").(map[string]any)
	c, _ := time.Parse(time.RFC3339Nano, p["createdAt"].(string))
	e, _ := time.Parse(time.RFC3339Nano, p["expiresAt"].(string))
	if e.Sub(c) != time.Hour {
		t.Fatalf("expiresIn 3600s gave %v", e.Sub(c))
	}
}

func TestGetProcessPerFlowFamily(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	ctx := context.Background()

	// idlive: liveness only.
	id := f.create("idlive", "73689290074")
	if err := f.sim.Finish(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	p := f.getProcess(id)
	if dig(p, "process", "state") != stFinished || dig(p, "process", "result") != resOK ||
		dig(p, "process", "authenticationInfo", "livenessResult") != "LIVENESS_RESULT_LIVE" ||
		dig(p, "process", "authenticationInfo", "authenticationResult") != "AUTHENTICATION_RESULT_UNSPECIFIED" ||
		dig(p, "process", "finishedAt") == nil || dig(p, "process", "token") != "" {
		t.Fatalf("idlive: %v", p)
	}

	// iddocs: OCR document with the seed's quirky date.
	id = f.create("iddocs", "73689290074")
	f.sim.Finish(ctx, id, "")
	p = f.getProcess(id)
	doc := dig(p, "process", "services", 0, "documents", 0)
	if dig(doc, "doc", "code") != "RG" || dig(doc, "doc", "data", "dataExpiracao") != "2025-10-35T00:00:00Z" ||
		dig(doc, "doc", "data", "cpfNumero") != "73689290074" || dig(doc, "cpf_match") != true ||
		!strings.Contains(dig(doc, "signed_url").(string), "/__sim/files/") || dig(p, "process", "services", 0, "consent_granted") != true {
		t.Fatalf("iddocs documents: %v", doc)
	}
	if dig(p, "process", "authenticationInfo", "authenticationResult") != "AUTHENTICATION_RESULT_POSITIVE" {
		t.Fatalf("iddocs auth: %v", dig(p, "process", "authenticationInfo"))
	}
	code, file, hdr := f.call("GET", strings.TrimPrefix(dig(doc, "signed_url").(string), f.srv.URL), nil)
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(file, []byte("%PDF-")) {
		t.Fatalf("signed_url: %d %s", code, hdr)
	}

	// iddocssign: documents and a sign service; the documentIds are fetchable on the sign host.
	id = f.create("iddocssign", "73689290074")
	f.sim.Finish(ctx, id, "approved")
	p = f.getProcess(id)
	sign := dig(p, "process", "services", 1)
	docID, _ := dig(sign, "documentIds", 0).(string)
	if !isUUID(docID) || !isUUID(dig(sign, "envelopeId").(string)) || dig(p, "process", "services", 0, "documents") == nil {
		t.Fatalf("iddocssign services: %v", dig(p, "process", "services"))
	}
	code, pdf, hdr := f.call("GET", "/api/v1/service/file/"+docID, nil)
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-1.4")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("signed file: %d %s %.20q", code, hdr, pdf)
	}
	code, pdf, _ = f.call("GET", "/api/v1/service/evidence/"+docID, nil)
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("sign evidence: %d", code)
	}
	if code, body, _ := f.call("GET", "/api/v1/service/file/"+newUUID(), nil); code != 404 || mustJSON(t, body)["Sucess"] != false {
		t.Fatalf("unknown sign doc: %d %s", code, body)
	}

	// idtoken: bioTokenEngineResult and bioTokenData.
	id = f.create("idtoken", "73689290074")
	f.sim.Finish(ctx, id, "")
	p = f.getProcess(id)
	if dig(p, "process", "authenticationInfo", "bioTokenEngineResult") != "BIO_TOKEN_ENGINE_RESULT_POSITIVE" ||
		dig(p, "process", "bioTokenData", "referenceProcessId") != "92369ed7-5c3d-4050-a426-94ce8721e079" ||
		dig(p, "process", "bioTokenData", "authenticationId") == "" {
		t.Fatalf("idtoken: %v", p)
	}
	caps := dig(p, "process", "capacities").([]any)
	if len(caps) != 2 || caps[1] != "PROCESS_CAPACITY_IDTOKEN" {
		t.Fatalf("idtoken capacities %v", caps)
	}

	// idchecktrust with approved_by_score: score engine and fraudsters.
	id = f.create("idchecktrust", ScenarioCPF("approved_by_score"))
	f.sim.Finish(ctx, id, "")
	p = f.getProcess(id)
	ai := dig(p, "process", "authenticationInfo")
	if dig(ai, "authenticationResult") != "AUTHENTICATION_RESULT_INCONCLUSIVE" || dig(ai, "scoreEngineResult", "score") != float64(50) ||
		dig(ai, "scoreEngineResult", "scoreEnabled") != "SCORE_ENABLED_TRUE" || dig(ai, "identityFraudstersResult") != "TRUST_RESULT_INCONCLUSIVE" {
		t.Fatalf("approved_by_score: %v", ai)
	}

	// Rejected identity: no documents or signature requested afterwards.
	id = f.create("iddocssign", ScenarioCPF("rejected_identity"))
	f.sim.Finish(ctx, id, "")
	p = f.getProcess(id)
	if dig(p, "process", "result") != resInvalidIdentity || dig(p, "process", "services") != nil ||
		dig(p, "process", "authenticationInfo", "authenticationResult") != "AUTHENTICATION_RESULT_NEGATIVE" {
		t.Fatalf("rejected_identity: %v", p)
	}

	// Errors: bad id, unknown id.
	code, b, _ := f.call("GET", "/client/v1/process/not-a-uuid", nil)
	if m := mustJSON(t, b); code != 400 || m["code"] != float64(3) || m["message"] != "process id is invalid" {
		t.Fatalf("bad id: %d %s", code, b)
	}
	code, b, _ = f.call("GET", "/client/v1/process/"+newUUID(), nil)
	if m := mustJSON(t, b); code != 404 || m["code"] != float64(5) {
		t.Fatalf("unknown id: %d %s", code, b)
	}
}

func TestScenarioTableOutcomes(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	type want struct{ state, result, liveness, auth, fraud string }
	cases := map[string]want{
		"approved":           {stFinished, resOK, "LIVENESS_RESULT_LIVE", "AUTHENTICATION_RESULT_POSITIVE", "TRUST_RESULT_INCONCLUSIVE"},
		"retry_score_zero":   {stFinished, resOK, "LIVENESS_RESULT_LIVE", "AUTHENTICATION_RESULT_INCONCLUSIVE", "TRUST_RESULT_INCONCLUSIVE"},
		"rejected_liveness":  {stFinished, resInvalidIdentity, "LIVENESS_RESULT_NOT_LIVE", "AUTHENTICATION_RESULT_UNSPECIFIED", "TRUST_RESULT_UNSPECIFIED"},
		"rejected_identity":  {stFinished, resInvalidIdentity, "LIVENESS_RESULT_LIVE", "AUTHENTICATION_RESULT_NEGATIVE", "TRUST_RESULT_INCONCLUSIVE"},
		"rejected_fraudster": {stFinished, resOK, "LIVENESS_RESULT_LIVE", "AUTHENTICATION_RESULT_INCONCLUSIVE", "TRUST_RESULT_YES"},
		"error":              {stFinished, resError, "LIVENESS_RESULT_UNSPECIFIED", "AUTHENTICATION_RESULT_UNSPECIFIED", "TRUST_RESULT_UNSPECIFIED"},
		"failed":             {stFailed, resUnspecified, "LIVENESS_RESULT_UNSPECIFIED", "AUTHENTICATION_RESULT_UNSPECIFIED", "TRUST_RESULT_UNSPECIFIED"},
		"expired":            {stFinished, resExpired, "LIVENESS_RESULT_UNSPECIFIED", "AUTHENTICATION_RESULT_UNSPECIFIED", "TRUST_RESULT_UNSPECIFIED"},
	}
	for name, w := range cases {
		id := f.create("idtrust", ScenarioCPF(name))
		if err := f.sim.Finish(context.Background(), id, ""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p := dig(f.getProcess(id), "process")
		ai := dig(p, "authenticationInfo")
		got := want{dig(p, "state").(string), dig(p, "result").(string), dig(ai, "livenessResult").(string),
			dig(ai, "authenticationResult").(string), dig(ai, "identityFraudstersResult").(string)}
		if got != w {
			t.Errorf("%s: got %+v want %+v", name, got, w)
		}
	}
	// A finished process cannot finish again; unknown ids and scenarios are errors.
	id := f.create("id", "73689290074")
	if err := f.sim.Finish(context.Background(), id, "nope"); err == nil {
		t.Fatal("unknown scenario accepted")
	}
	if err := f.sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.Finish(context.Background(), id, ""); err == nil {
		t.Fatal("second finish accepted")
	}
	if err := f.sim.Finish(context.Background(), newUUID(), ""); err == nil {
		t.Fatal("unknown process accepted")
	}
}

func TestQuirksScenarioServesTrailingCommas(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	id := f.create("iddocs", ScenarioCPF("quirks"))
	f.sim.Finish(context.Background(), id, "")
	code, b, _ := f.call("GET", "/client/v1/process/"+id, nil)
	if code != 200 || json.Valid(b) {
		t.Fatalf("quirks must be invalid JSON (trailing commas): %d", code)
	}
	if !bytes.Contains(b, []byte("],\n},")) || !bytes.Contains(b, []byte(`"cpfNumero": 10000001171`)) || !bytes.Contains(b, []byte("2025-10-35")) {
		t.Fatalf("quirks body lacks the seed's quirks:\n%s", b)
	}
	// Stripping the trailing commas yields valid JSON with the same content.
	clean := bytes.ReplaceAll(bytes.ReplaceAll(b, []byte(",\n}"), []byte("\n}")), []byte(",\n]"), []byte("\n]"))
	if !json.Valid(clean) {
		t.Fatalf("cleaned quirks body still invalid:\n%s", clean)
	}
}

func TestSetRawProcess(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	raw := []byte("{\"process\": {\"id\": \"x\",}\n}")
	f.sim.SetRawProcess("53060f52-f146-4c12-a234-5bb5031f6f5b", raw)
	code, b, _ := f.call("GET", "/client/v1/process/53060f52-f146-4c12-a234-5bb5031f6f5b", nil)
	if code != 200 || !bytes.Equal(b, raw) {
		t.Fatalf("raw: %d %q", code, b)
	}
}

func TestSelfieAndEvidenceSet(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	id := f.create("id", "73689290074")
	if code, _, _ := f.call("GET", "/client/v1/process/"+id+"/selfie", nil); code != 404 {
		t.Fatalf("selfie before finish: %d", code)
	}
	if code, _, _ := f.call("GET", "/client/v1/process/"+id+"/evidenceset", nil); code != 404 {
		t.Fatalf("evidence before finish: %d", code)
	}
	f.sim.Finish(context.Background(), id, "")
	for _, q := range []string{"", "?raw=true"} {
		code, b, _ := f.call("GET", "/client/v1/process/"+id+"/selfie"+q, nil)
		m := mustJSON(t, b)
		img, err := base64.StdEncoding.DecodeString(m["fileContents"].(string))
		if code != 200 || err != nil || m["contentType"] != "image/jpeg" || !bytes.HasPrefix(img, []byte{0xFF, 0xD8, 0xFF}) {
			t.Fatalf("selfie%s: %d %v", q, code, err)
		}
	}
	code, b, _ := f.call("GET", "/client/v1/process/"+id+"/evidenceset", nil)
	m := mustJSON(t, b)
	pdf, _ := base64.StdEncoding.DecodeString(m["fileContents"].(string))
	if code != 200 || m["contentType"] != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("evidence: %d %v", code, m["contentType"])
	}
	f.clock.Advance(2*time.Hour + time.Second)
	f.mint()
	if code, b, _ := f.call("GET", "/client/v1/process/"+id+"/evidenceset", nil); code != 410 || mustJSON(t, b)["code"] != float64(5) {
		t.Fatalf("evidence after 2 h: %d %s", code, b)
	}
	if code, _, _ := f.call("GET", "/client/v1/process/"+id+"/selfie", nil); code != 200 {
		t.Fatalf("selfie within 8 h: %d", code)
	}
	f.clock.Advance(6 * time.Hour)
	f.mint()
	if code, _, _ := f.call("GET", "/client/v1/process/"+id+"/selfie", nil); code != 410 {
		t.Fatalf("selfie after 8 h: %d", code)
	}
	// An ERROR result never had artefacts: 404, whatever the time.
	errID := f.create("id", ScenarioCPF("error"))
	f.sim.Finish(context.Background(), errID, "")
	if code, _, _ := f.call("GET", "/client/v1/process/"+errID+"/selfie", nil); code != 404 {
		t.Fatalf("selfie of an ERROR process: %d", code)
	}

	id = f.create("id", ScenarioCPF("selfie_forbidden"))
	f.sim.Finish(context.Background(), id, "")
	code, b, _ = f.call("GET", "/client/v1/process/"+id+"/selfie", nil)
	if m := mustJSON(t, b); code != 403 || m["code"] != float64(7) || m["message"] != "no permission" {
		t.Fatalf("selfie_forbidden: %d %s", code, b)
	}
	if code, _, _ := f.call("GET", "/client/v1/process/bad/selfie", nil); code != 400 {
		t.Fatalf("bad id selfie: %d", code)
	}
}

func TestSignedDocumentBase64(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.SignedDocumentBase64 = true })
	f.mint()
	id := f.create("idunicosign", "73689290074")
	f.sim.Finish(context.Background(), id, "")
	docID := dig(f.getProcess(id), "process", "services", 0, "documentIds", 0).(string)
	code, b, _ := f.call("GET", "/api/v1/service/file/"+docID, nil)
	pdf, err := base64.StdEncoding.DecodeString(string(b))
	if code != 200 || err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("base64 signed doc: %d %v", code, err)
	}
}

func TestCustomFlowAwaitingDocument(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	body := map[string]any{"callbackUri": "/", "flow": "idunicodocs_r2", "purpose": "creditprocess"}
	code, b, _ := f.call("POST", "/client/v1/process", body)
	if code != 200 {
		t.Fatalf("custom flow: %d %s", code, b)
	}
	id := dig(mustJSON(t, b), "process", "id").(string)
	if st := dig(mustJSON(t, b), "process", "state"); st != stAwaitingDocument {
		t.Fatalf("state %v", st)
	}
	if err := f.sim.Finish(context.Background(), id, ""); err == nil {
		t.Fatal("finish while awaiting document accepted")
	}
	if code, b, _ := f.call("POST", "/client/v1/process/"+id+"/document", map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": "11111111111"}); code != 400 {
		t.Fatalf("invalid cpf: %d %s", code, b)
	}
	code, b, _ = f.call("POST", "/client/v1/process/"+id+"/document", map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": "73689290074"})
	if m := mustJSON(t, b); code != 200 || dig(m, "process", "id") != id || dig(m, "process", "person", "duiValue") != "73689290074" {
		t.Fatalf("set document: %d %s", code, b)
	}
	code, b, _ = f.call("POST", "/client/v1/process/"+id+"/document", map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": "12345678909"})
	if code != 400 {
		t.Fatalf("second set document: %d %s", code, b)
	}
	if st := dig(f.getProcess(id), "process", "state"); st != stCreated {
		t.Fatalf("state after document %v", st)
	}
	if err := f.sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := f.call("POST", "/client/v1/process/"+newUUID()+"/document", map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": "73689290074"}); code != 404 {
		t.Fatalf("unknown process: %d", code)
	}
}

func TestLazyExpiry(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	b := createBody("id", "73689290074")
	b["expiresIn"] = "60s"
	code, body, _ := f.call("POST", "/client/v1/process", b)
	if code != 200 {
		t.Fatal(code)
	}
	id := dig(mustJSON(t, body), "process", "id").(string)
	f.clock.Advance(61 * time.Second)
	p := f.getProcess(id)
	if dig(p, "process", "result") != resExpired || dig(p, "process", "lastEvent") != "EVENT_TYPE_PROCESS_CREATED" {
		t.Fatalf("lazy expiry: %v", p)
	}
}

func TestJourneyPage(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	body := createBody("id", "73689290074")
	body["callbackUri"] = "/"
	_, cb, _ := f.call("POST", "/client/v1/process", body)
	id := dig(mustJSON(t, cb), "process", "id").(string)
	code, b, hdr := f.call("GET", "/journey/"+id, nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte("simulated")) {
		t.Fatalf("journey: %d %s", code, b)
	}
	req := "scenario=rejected_identity"
	if code, b, _ = f.call("POST", "/journey/"+id, req, "Content-Type: application/x-www-form-urlencoded"); code != 200 {
		t.Fatalf("journey post: %d %s", code, b)
	}
	if r := dig(f.getProcess(id), "process", "result"); r != resInvalidIdentity {
		t.Fatalf("journey finish result %v", r)
	}
}
