package unicosim

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/jpeg"
	"strings"
	"testing"
	"time"
)

func bioBody(cpf, selfie string) map[string]any {
	return map[string]any{
		"subject":     map[string]any{"code": cpf, "name": "Luke Skywalker", "email": "luke@unico.io", "phone": "5511900000000"},
		"useCase":     "Onboarding",
		"imageBase64": selfie,
	}
}

// post sends a by-Client POST /processes/v1 and returns status and decoded body.
func (f *fixture) post(key string, body any) (int, map[string]any) {
	f.t.Helper()
	code, b, _ := f.call("POST", "/processes/v1", body, "APIKEY: "+key)
	return code, mustJSON(f.t, b)
}

func TestClientAPIKey(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	code, b, _ := f.call("POST", "/processes/v1", bioBody("73689290074", f.sim.NewSelfieJWT()))
	if m := mustJSON(t, b); code != 400 || dig(m, "error", "code") != "20002" {
		t.Fatalf("missing APIKEY: %d %s", code, b)
	}
	code, m := f.post("nope", bioBody("73689290074", f.sim.NewSelfieJWT()))
	if code != 403 || dig(m, "error", "code") != "10201" {
		t.Fatalf("unknown APIKEY: %d %v", code, m)
	}
	code, m = f.post(keyDocs, bioBody("73689290074", f.sim.NewSelfieJWT()))
	if code != 403 || dig(m, "error", "code") != "30017" {
		t.Fatalf("documents key on biometrics: %d %v", code, m)
	}
}

func TestClientValidation(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	sel := f.sim.NewSelfieJWT()
	mod := func(m func(b map[string]any)) map[string]any {
		b := bioBody("73689290074", sel)
		m(b)
		return b
	}
	sub := func(b map[string]any) map[string]any { return b["subject"].(map[string]any) }
	cases := []struct {
		name string
		body any
		want string
	}{
		{"no subject", mod(func(b map[string]any) { delete(b, "subject") }), "20004"},
		{"no code", mod(func(b map[string]any) { delete(sub(b), "code") }), "20005"},
		{"no name", mod(func(b map[string]any) { delete(sub(b), "name") }), "20006"},
		{"bad cpf", mod(func(b map[string]any) { sub(b)["code"] = "12345678900" }), "20507"},
		{"no image", mod(func(b map[string]any) { delete(b, "imageBase64") }), "20009"},
		{"garbled jwt", mod(func(b map[string]any) { b["imageBase64"] = sel[:len(sel)-3] + "abc" }), "20900"},
		{"other simulator's jwt", mod(func(b map[string]any) { b["imageBase64"] = New(Config{}).NewSelfieJWT() }), "20900"},
		{"plain image with liveness key", mod(func(b map[string]any) { b["imageBase64"] = "/9j/4AAQSkZJRgABAQ==" }), "10506"},
		{"broken body", `{"subject":`, "20003"},
	}
	for _, c := range cases {
		code, m := f.post(keyIdentity, c.body)
		if code != 400 || dig(m, "error", "code") != c.want {
			t.Errorf("%s: %d %v, want %s", c.name, code, m, c.want)
		}
	}
	// None of the failures consumed the selfie.
	if code, m := f.post(keyIdentity, bioBody("73689290074", sel)); code != 200 {
		t.Fatalf("selfie consumed by a failed request: %d %v", code, m)
	}
}

func TestClientSelfieSingleUseAndTenMinutes(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	sel := f.sim.NewSelfieJWT()
	if code, m := f.post(keyIdentity, bioBody("73689290074", sel)); code != 200 || m["status"] != float64(3) {
		t.Fatalf("first use: %d %v", code, m)
	}
	if code, m := f.post(keyIdentity, bioBody("73689290074", sel)); code != 400 || dig(m, "error", "code") != "10508" {
		t.Fatalf("second use: %d %v", code, m)
	}
	old := f.sim.NewSelfieJWT()
	f.clock.Advance(10*time.Minute + time.Second)
	f.mint()
	if code, m := f.post(keyIdentity, bioBody("73689290074", old)); code != 400 || dig(m, "error", "code") != "10507" {
		t.Fatalf("old selfie: %d %v", code, m)
	}
	edge := f.sim.NewSelfieJWT()
	f.clock.Advance(10 * time.Minute)
	if code, m := f.post(keyIdentity, bioBody("73689290074", edge)); code != 200 {
		t.Fatalf("selfie at exactly 10 minutes: %d %v", code, m)
	}
}

func TestClientAnswersByCapabilityAndScenario(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	type tc struct {
		key, scenario string
		check         func(m map[string]any) bool
	}
	cases := []tc{
		{keyLiveness, "yes", func(m map[string]any) bool { return m["liveness"] == float64(1) && m["unicoId"] == nil }},
		{keyLiveness, "not_live", func(m map[string]any) bool { return m["liveness"] == float64(2) }},
		{keyIdentity, "yes", func(m map[string]any) bool {
			return dig(m, "unicoId", "result") == "yes" && m["liveness"] == nil && dig(m, "identityFraudsters", "result") == "inconclusive"
		}},
		{keyIdentity, "no", func(m map[string]any) bool { return dig(m, "unicoId", "result") == "no" }},
		{keyIdentity, "inconclusive", func(m map[string]any) bool {
			return dig(m, "unicoId", "result") == "inconclusive" && m["liveness"] == float64(1) && m["score"] == nil
		}},
		{keyScore, "inconclusive", func(m map[string]any) bool { return m["score"] == float64(50) && m["status"] == float64(3) }},
		{keyScore, "inconclusive_low_score", func(m map[string]any) bool { return m["score"] == float64(-40) }},
		{keyScore, "retry_score_zero", func(m map[string]any) bool { _, ok := m["score"]; return ok && m["score"] == float64(0) }},
		{keyScore, "fraudster", func(m map[string]any) bool {
			return dig(m, "identityFraudsters", "result") == "yes" && m["score"] == nil
		}},
		{keyScore, "divergence", func(m map[string]any) bool { return m["status"] == float64(2) }},
		{keyIdentity, "divergence", func(m map[string]any) bool { return m["status"] == float64(3) }},
		{keyIdentity, "not_live", func(m map[string]any) bool { return m["liveness"] == float64(2) && dig(m, "unicoId", "result") == "no" }},
		{keyIdentity, "error_status5", func(m map[string]any) bool { return m["status"] == float64(5) && len(m) == 2 }},
		{keyOneToOne, "yes", func(m map[string]any) bool {
			return dig(m, "biometryToken", "result") == "true" && m["liveness"] == float64(1) && m["authenticated"] == nil
		}},
		{keyOneToOne, "matched_token", func(m map[string]any) bool { return dig(m, "biometryToken", "result") == "true" }},
		{keyOneToOne, "not_matched_token", func(m map[string]any) bool { return dig(m, "biometryToken", "result") == "false" }},
		{keyOneToOne, "matched_authenticated", func(m map[string]any) bool { return m["authenticated"] == true && m["biometryToken"] == nil }},
		{keyOneToOne, "not_matched_authenticated", func(m map[string]any) bool { return m["authenticated"] == false }},
		{keyOneToOne, "not_live", func(m map[string]any) bool {
			return dig(m, "biometryToken", "result") == "false" && m["liveness"] == float64(2)
		}},
	}
	for _, c := range cases {
		b := bioBody(ScenarioCPF(c.scenario), f.sim.NewSelfieJWT())
		if c.key == keyOneToOne {
			b["referenceProcessId"] = "80371b2a-3ac7-432e-866d-57fe37896ac6"
		}
		code, m := f.post(c.key, b)
		if code != 200 || !isUUID(m["id"].(string)) || !c.check(m) {
			t.Errorf("%s/%s: %d %v", c.key, c.scenario, code, m)
		}
	}
	// 1:1 needs a reference.
	if code, m := f.post(keyOneToOne, bioBody("73689290074", f.sim.NewSelfieJWT())); code != 400 || dig(m, "error", "code") != "20003" {
		t.Fatalf("1:1 without reference: %d %v", code, m)
	}
	b := bioBody("73689290074", f.sim.NewSelfieJWT())
	b["references"] = []any{map[string]any{"referenceType": "REFERENCE_TYPE_PROCESS_ID", "referenceContent": newUUID()}}
	if code, m := f.post(keyOneToOne, b); code != 200 {
		t.Fatalf("1:1 with references[]: %d %v", code, m)
	}
}

func TestClientPlainImages(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	enc := func(w, h int) string {
		var buf bytes.Buffer
		jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil)
		return base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	b := bioBody("73689290074", enc(640, 480))
	b["referenceProcessId"] = newUUID()
	if code, m := f.post(keyPlain, b); code != 200 || dig(m, "biometryToken", "result") != "true" || m["liveness"] != nil {
		t.Fatalf("plain 640x480 on 1:1 without liveness: %d %v", code, m)
	}
	b["imageBase64"] = enc(320, 240)
	if code, m := f.post(keyPlain, b); code != 400 || dig(m, "error", "code") != "20807" {
		t.Fatalf("small image: %d %v", code, m)
	}
	b["imageBase64"] = base64.StdEncoding.EncodeToString([]byte("GIF89a............"))
	if code, m := f.post(keyPlain, b); code != 400 || dig(m, "error", "code") != "20505" {
		t.Fatalf("gif: %d %v", code, m)
	}
	b["imageBase64"] = base64.StdEncoding.EncodeToString([]byte("<script>alert(1)</script>"))
	if code, m := f.post(keyPlain, b); code != 400 || dig(m, "error", "code") != "20900" {
		t.Fatalf("not an image: %d %v", code, m)
	}
}

func TestClientGetProcess(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	_, ok := f.post(keyScore, bioBody(ScenarioCPF("inconclusive"), f.sim.NewSelfieJWT()))
	id := ok["id"].(string)
	code, b, _ := f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyScore)
	if m := mustJSON(t, b); code != 200 || m["score"] != float64(50) || m["processAdditionalInfo"] != nil {
		t.Fatalf("v1: %d %s", code, b)
	}
	code, b, _ = f.call("GET", "/processes/v2/"+id, nil, "APIKEY: "+keyScore)
	m := mustJSON(t, b)
	img, _ := base64.StdEncoding.DecodeString(dig(m, "processAdditionalInfo", "personImage").(string))
	if code != 200 || dig(m, "processAdditionalInfo", "personDocument") != ScenarioCPF("inconclusive") ||
		dig(m, "processAdditionalInfo", "personName") != "Luke Skywalker" || !bytes.HasPrefix(img, []byte{0xFF, 0xD8}) {
		t.Fatalf("v2: %d %s", code, b)
	}

	// status 5: POST answers 200 with status 5, GET answers 410 with the same body.
	code, m5 := f.post(keyIdentity, bioBody(ScenarioCPF("error_status5"), f.sim.NewSelfieJWT()))
	if code != 200 || m5["status"] != float64(5) {
		t.Fatalf("status 5 POST: %d %v", code, m5)
	}
	for _, v := range []string{"v1", "v2"} {
		code, b, _ = f.call("GET", "/processes/"+v+"/"+m5["id"].(string), nil, "APIKEY: "+keyIdentity)
		if m := mustJSON(t, b); code != 410 || m["status"] != float64(5) || m["id"] != m5["id"] {
			t.Fatalf("status 5 GET %s: %d %s", v, code, b)
		}
	}
	code, b, _ = f.call("GET", "/processes/v1/123", nil, "APIKEY: "+keyIdentity)
	if m := mustJSON(t, b); code != 400 || dig(m, "Error", "code") != "40004" {
		t.Fatalf("bad id: %d %s", code, b)
	}
	if code, _, _ = f.call("GET", "/processes/v1/"+newUUID(), nil, "APIKEY: "+keyIdentity); code != 404 {
		t.Fatalf("unknown: %d", code)
	}
	if code, _, _ = f.call("GET", "/processes/v1/"+id, nil); code != 400 {
		t.Fatalf("GET without APIKEY: %d", code)
	}
}

func TestClientDocuments(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	cpf := ScenarioCPF("yes_with_documents")
	code, b, _ := f.call("GET", "/documents/v1?code="+cpf+"&type=BR_CNH", nil, "APIKEY: "+keyAll)
	m := mustJSON(t, b)
	if code != 200 || dig(m, "items", 0, "documentType") != "unico.moja.dictionary.br.cnh.v2.Cnh" || dig(m, "items", 1) != nil {
		t.Fatalf("documents: %d %s", code, b)
	}
	cnhID := dig(m, "items", 0, "documentId").(string)
	code, b, _ = f.call("GET", "/documents/v1?code=73689290074&type=BR_RG", nil, "APIKEY: "+keyAll)
	if code != 200 || string(b) != `{"items":[]}` {
		t.Fatalf("no documents: %d %s", code, b)
	}
	if code, _, _ := f.call("GET", "/documents/v1?code="+cpf+"&type=BR_CPF", nil, "APIKEY: "+keyAll); code != 400 {
		t.Fatalf("bad type: %d", code)
	}
	if code, _, _ := f.call("GET", "/documents/v1?code="+cpf, nil, "APIKEY: "+keyIdentity); code != 403 {
		t.Fatalf("key without documents: %d", code)
	}

	// Biometric process that qualifies (identity yes), then reuse the CNH.
	_, bio := f.post(keyAll, bioBody(cpf, f.sim.NewSelfieJWT()))
	docBody := func(auth string) map[string]any {
		return map[string]any{
			"subject":  map[string]any{"code": cpf, "duiType": "DUI_TYPE_BR_CPF", "name": "Luke"},
			"document": map[string]any{"purpose": "creditprocess", "authProcessId": auth, "documentId": cnhID},
		}
	}
	code, d := f.post(keyDocs, docBody(bio["id"].(string)))
	if code != 200 || d["status"] != float64(1) || !isUUID(dig(d, "document", "id").(string)) {
		t.Fatalf("document process: %d %v", code, d)
	}
	code, b, _ = f.call("GET", "/processes/v1/"+d["id"].(string), nil, "APIKEY: "+keyDocs)
	g := mustJSON(t, b)
	if code != 200 || g["status"] != float64(3) || dig(g, "document", "type") != "CNH" || dig(g, "document", "cpfMatch") != true ||
		dig(g, "document", "content", "renachNumero") != "PR904987581" || dig(g, "document", "fileUrls", 1) == nil {
		t.Fatalf("document result: %d %s", code, b)
	}

	// New capture with an SDK JWT.
	nb := docBody(bio["id"].(string))
	delete(nb["document"].(map[string]any), "documentId")
	nb["document"].(map[string]any)["files"] = []any{map[string]any{"data": f.sim.NewSelfieJWT()}}
	if code, d := f.post(keyDocs, nb); code != 200 || d["status"] != float64(1) {
		t.Fatalf("new capture: %d %v", code, d)
	}

	// Non-qualifying biometric processes.
	_, no := f.post(keyAll, bioBody(ScenarioCPF("no"), f.sim.NewSelfieJWT()))
	bad := docBody(no["id"].(string))
	bad["subject"].(map[string]any)["code"] = ScenarioCPF("no")
	if code, e := f.post(keyDocs, bad); code != 400 || dig(e, "error", "code") != codeAuthProcessNotValid {
		t.Fatalf("unqualified auth process: %d %v", code, e)
	}
	if code, e := f.post(keyDocs, docBody(newUUID())); code != 400 || dig(e, "error", "code") != codeAuthProcessNotFound {
		t.Fatalf("unknown auth process: %d %v", code, e)
	}
	// Score >= 50 qualifies; after 24 h it no longer does.
	_, inc := f.post(keyAll, bioBody(ScenarioCPF("inconclusive"), f.sim.NewSelfieJWT()))
	sb := docBody(inc["id"].(string))
	sb["subject"].(map[string]any)["code"] = ScenarioCPF("inconclusive")
	delete(sb["document"].(map[string]any), "documentId")
	sb["document"].(map[string]any)["files"] = []any{map[string]any{"data": f.sim.NewSelfieJWT()}}
	if code, e := f.post(keyDocs, sb); code != 200 {
		t.Fatalf("score 50 must qualify: %d %v", code, e)
	}
	f.clock.Advance(24*time.Hour + time.Second)
	f.mint()
	sb["document"].(map[string]any)["files"] = []any{map[string]any{"data": f.sim.NewSelfieJWT()}}
	if code, e := f.post(keyDocs, sb); code != 400 || dig(e, "error", "code") != codeAuthProcessNotValid {
		t.Fatalf("older than 24 h: %d %v", code, e)
	}
}

func TestClientDocumentDelayAndFinish(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.DocumentProcessingDelay = time.Minute })
	f.mint()
	cpf := "73689290074"
	_, bio := f.post(keyAll, bioBody(cpf, f.sim.NewSelfieJWT()))
	body := map[string]any{
		"subject": map[string]any{"code": cpf, "duiType": "DUI_TYPE_BR_CPF"},
		"document": map[string]any{"purpose": "onboarding", "authProcessId": bio["id"],
			"files": []any{map[string]any{"data": f.sim.NewSelfieJWT()}, map[string]any{"data": f.sim.NewSelfieJWT()}}},
	}
	_, d := f.post(keyAll, body)
	id := d["id"].(string)
	_, b, _ := f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyAll)
	if m := mustJSON(t, b); m["status"] != float64(1) {
		t.Fatalf("before the delay: %s", b)
	}
	if err := f.sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	_, b, _ = f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyAll)
	if m := mustJSON(t, b); m["status"] != float64(3) {
		t.Fatalf("after Finish: %s", b)
	}
	// The captured document is now reusable.
	_, b, _ = f.call("GET", "/documents/v1?code="+cpf+"&type=BR_CNH", nil, "APIKEY: "+keyAll)
	if m := mustJSON(t, b); dig(m, "items", 0, "documentId") != dig(d, "document", "id") {
		t.Fatalf("captured document not listed: %s", b)
	}
}

func TestClientInProgressCanceledAgedSelfieAndRaw(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	// in_progress: status 1 on POST, the full result on the next GET.
	code, m := f.post(keyIdentity, bioBody(ScenarioCPF("in_progress"), f.sim.NewSelfieJWT()))
	if code != 200 || m["status"] != float64(1) || m["unicoId"] != nil {
		t.Fatalf("in_progress POST: %d %v", code, m)
	}
	id := m["id"].(string)
	code, b, _ := f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyIdentity)
	if g := mustJSON(t, b); code != 200 || g["status"] != float64(3) || dig(g, "unicoId", "result") != "yes" {
		t.Fatalf("in_progress GET: %d %s", code, b)
	}
	// canceled: status 4 both ways.
	code, m = f.post(keyIdentity, bioBody(ScenarioCPF("canceled"), f.sim.NewSelfieJWT()))
	if code != 200 || m["status"] != float64(4) || m["unicoId"] != nil {
		t.Fatalf("canceled POST: %d %v", code, m)
	}
	code, b, _ = f.call("GET", "/processes/v1/"+m["id"].(string), nil, "APIKEY: "+keyIdentity)
	if g := mustJSON(t, b); code != 200 || g["status"] != float64(4) {
		t.Fatalf("canceled GET: %d %s", code, b)
	}
	// A capture taken 11 minutes ago is expired; one taken 9 minutes ago is fine.
	if code, m := f.post(keyIdentity, bioBody("73689290074", f.sim.NewSelfieJWTAt(f.clock.Now().Add(-11*time.Minute)))); code != 400 || dig(m, "error", "code") != "10507" {
		t.Fatalf("aged selfie: %d %v", code, m)
	}
	if code, m := f.post(keyIdentity, bioBody("73689290074", f.sim.NewSelfieJWTAt(f.clock.Now().Add(-9*time.Minute)))); code != 200 {
		t.Fatalf("9-minute-old selfie: %d %v", code, m)
	}
	// Raw answers: for a simulated process and for an id the simulator never created, on v1 and v2.
	raw := []byte("{\n\"id\": \"x\",\n\"status\": 5\n  }\n")
	f.sim.SetRawClientProcess(id, 410, raw)
	other := newUUID()
	f.sim.SetRawClientProcess(strings.ToUpper(other), 0, []byte(`{"id":"y","status":3,}`))
	for _, v := range []string{"v1", "v2"} {
		if code, b, _ := f.call("GET", "/processes/"+v+"/"+id, nil, "APIKEY: "+keyIdentity); code != 410 || !bytes.Equal(b, raw) {
			t.Fatalf("raw %s: %d %q", v, code, b)
		}
		if code, b, _ := f.call("GET", "/processes/"+v+"/"+other, nil, "APIKEY: "+keyIdentity); code != 200 || string(b) != `{"id":"y","status":3,}` {
			t.Fatalf("raw unknown id %s: %d %q", v, code, b)
		}
	}
	// Through the control API, then removed.
	if code, _, _ := f.call("PUT", "/__sim/client-processes/"+id+"/raw?status=200", `{"id":"z","status":2}`); code != 204 {
		t.Fatalf("control PUT: %d", code)
	}
	if code, b, _ := f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyIdentity); code != 200 || mustJSON(t, b)["status"] != float64(2) {
		t.Fatalf("after control PUT: %d %s", code, b)
	}
	if code, _, _ := f.call("DELETE", "/__sim/client-processes/"+id+"/raw", nil); code != 204 {
		t.Fatalf("control DELETE: %d", code)
	}
	if code, b, _ := f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyIdentity); code != 200 || mustJSON(t, b)["status"] != float64(3) {
		t.Fatalf("after DELETE: %d %s", code, b)
	}
	// Raw answers still need a valid token and APIKEY.
	if code, _, _ := f.call("GET", "/processes/v1/"+other, nil); code != 400 {
		t.Fatalf("raw without APIKEY: %d", code)
	}
}
