package devstack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/unico"
)

// Tests of the by-Unico integration through the whole local stack: the API Gateway stand-in,
// the functions, DynamoDB Local and the Unico simulator.

const (
	personEmail = "maria.teste@example.com"
	personPhone = "5521988776655"
	branchID    = "0f6a3b8e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"
	useCase     = "USE_CASE_IDENTITY_REVALIDATION_7_DAYS"
)

// samplePDF is a small, real PDF to sign.
var samplePDF = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))

// flowBody is a create body with everything the flow's family needs (reference §3.1.1) and
// every optional field the gateway maps: notifications on all three channels, expiry, branch,
// client reference and the back camera.
func flowBody(flow, cpf, bioTokenID string) map[string]any {
	person := map[string]any{"cpf": cpf, "name": personName, "phone": personPhone, "email": personEmail,
		"notifications": []string{"whatsapp", "sms", "email"}, "phoneCountryCodeAlpha3": "BRA"}
	b := map[string]any{"integration": "by_unico", "flow": flow, "purpose": "creditprocess", "callbackUri": "https://app.example.com/done",
		"person": person, "expiresInSeconds": 3600, "clientReference": "ref-" + flow, "companyBranchId": branchID, "backCamera": true}
	base := unico.Flow(flow)
	if i := strings.LastIndexByte(flow, '_'); i > 0 {
		base = unico.Flow(flow[:i])
	}
	if unico.FlowNeedsPayload(base) {
		b["signatureDocuments"] = []map[string]any{{"name": "contract.pdf", "contentBase64": samplePDF}, {"name": "terms.pdf", "contentBase64": samplePDF}}
	}
	if unico.FlowNeedsBioToken(base) {
		b["bioTokenId"] = bioTokenID
	}
	if unico.FlowNeedsUseCase(base) {
		b["useCase"] = useCase
	}
	return b
}

var keySeq int

func idemKey(prefix string) map[string]string {
	keySeq++
	return map[string]string{"Idempotency-Key": fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), keySeq)}
}

// create creates a process and returns its id, failing the test on anything but 201.
func create(t *testing.T, api client, key string, body map[string]any) (string, map[string]any) {
	t.Helper()
	status, _, res := api.do("POST", "/v1/processes", key, idemKey("c"), body)
	if status != http.StatusCreated {
		t.Fatalf("create %v: %d %v", body["flow"], status, res)
	}
	id, _ := get(res, "process", "id").(string)
	if id == "" {
		t.Fatalf("create %v: no id: %v", body["flow"], res)
	}
	return id, res
}

// finishedReference creates and finishes an identity process to serve as bioTokenId.
func finishedReference(t *testing.T, s *devstack.Stack, api client, key string) string {
	t.Helper()
	id, _ := create(t, api, key, flowBody("id", unicosim.ScenarioCPF("approved"), ""))
	if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	return id
}

func unicoCreates(s *devstack.Stack) int { return s.Sim.Stats().Calls["POST /client/v1/process"] }

// TestByUnicoCreateEveryFlow: every documented flow and a custom flow can be created through
// the API with the body its family needs, and what the gateway sent reached Unico (read back
// in Unico's answer).
func TestByUnicoCreateEveryFlow(t *testing.T) {
	s, logs := startStackWith(t, nil)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	cpf := unicosim.ScenarioCPF("approved")
	ref := finishedReference(t, s, api, demo)
	before := unicoCreates(s)

	flows := append([]string(nil), func() []string {
		var out []string
		for _, f := range unico.Flows {
			out = append(out, string(f))
		}
		return out
	}()...)
	if len(flows) != 29 {
		t.Fatalf("unico.Flows has %d flows, the reference lists 29", len(flows))
	}
	for _, flow := range flows {
		t.Run(flow, func(t *testing.T) {
			start := time.Now()
			id, res := create(t, api, demo, flowBody(flow, cpf, ref))
			p := res["process"].(map[string]any)
			if p["flow"] != flow || p["state"] != "created" || get(p, "decision", "outcome") != "pending" ||
				get(p, "unico", "state") != "PROCESS_STATE_CREATED" || p["clientReference"] != "ref-"+flow ||
				get(p, "unico", "companyBranchId") != branchID || res["redirectUrl"] == nil || res["sdkToken"] == nil {
				t.Fatalf("create answer: %v", res)
			}
			exp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(p["expiresAt"]))
			if err != nil || exp.Before(start.Add(59*time.Minute)) || exp.After(time.Now().Add(61*time.Minute)) {
				t.Errorf("expiresAt %v: expiresInSeconds 3600 did not reach Unico", p["expiresAt"])
			}
			f := unico.Flow(flow)
			if unico.FlowNeedsBioToken(f) && get(p, "unico", "bioTokenReferenceProcessId") != ref {
				t.Errorf("bioTokenId did not reach Unico: %v", p["unico"])
			}
			if unico.FlowNeedsUseCase(f) && get(p, "unico", "useCase") != useCase {
				t.Errorf("useCase did not reach Unico: %v", p["unico"])
			}
			// Signature flows: finishing shows the envelope with one document per PDF sent.
			if unico.FlowNeedsPayload(f) {
				if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
					t.Fatal(err)
				}
				view := api.readFinal(id, demo)
				ids, _ := get(view, "signature", "documentIds").([]any)
				if get(view, "signature", "envelopeId") == nil || len(ids) != 2 {
					t.Errorf("signature after finish: %v", view["signature"])
				}
			}
		})
	}
	t.Run("custom flow without person", func(t *testing.T) {
		body := map[string]any{"flow": "idunicodocs_r2", "purpose": "biometryonboarding", "clientReference": "custom-1"}
		_, res := create(t, api, demo, body)
		if get(res, "process", "state") != "awaiting_document" || get(res, "process", "decision", "outcome") != "pending" ||
			get(res, "process", "decision", "reasons").([]any)[0].(map[string]any)["code"] != domain.ReasonAwaitingDocument {
			t.Fatalf("custom flow: %v", res)
		}
	})
	t.Run("custom flow with person", func(t *testing.T) {
		_, res := create(t, api, demo, flowBody("idtrustsign_r2", cpf, ""))
		if get(res, "process", "state") != "created" || get(res, "process", "flow") != "idtrustsign_r2" {
			t.Fatalf("custom flow: %v", res)
		}
	})
	if n := unicoCreates(s) - before; n != len(flows)+2 {
		t.Fatalf("Unico saw %d creates, want %d", n, len(flows)+2)
	}
	if found := logging.FindPII(logs.String(), cpf, personName, personEmail, personPhone, samplePDF[:40]); len(found) > 0 {
		t.Fatalf("personal data in logs: %v", found)
	}
}

// TestByUnicoCreateWrongBodies: every family's wrong body is a 400 with a precise code, and
// Unico is never called for it.
func TestByUnicoCreateWrongBodies(t *testing.T) {
	s, _ := startStackWith(t, nil)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	cpf := unicosim.ScenarioCPF("approved")
	ref := "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	notPDF := base64.StdEncoding.EncodeToString([]byte("this is not a PDF at all"))
	person := func(b map[string]any) map[string]any { return b["person"].(map[string]any) }
	cases := []struct {
		name string
		flow string
		mut  func(map[string]any)
		code string
	}{
		{"idsign without signatureDocuments", "idsign", func(b map[string]any) { delete(b, "signatureDocuments") }, "signature_documents_required"},
		{"idunicosign without signatureDocuments", "idunicosign", func(b map[string]any) { delete(b, "signatureDocuments") }, "signature_documents_required"},
		{"creditoconsignado without signatureDocuments", "creditoconsignado", func(b map[string]any) { delete(b, "signatureDocuments") }, "signature_documents_required"},
		{"idsign with a non-PDF", "idsign", func(b map[string]any) {
			b["signatureDocuments"] = []map[string]any{{"name": "x.pdf", "contentBase64": notPDF}}
		}, "signature_document_not_pdf"},
		{"idsign with text that is not base64", "idsign", func(b map[string]any) {
			b["signatureDocuments"] = []map[string]any{{"name": "x.pdf", "contentBase64": "%PDF-1.4 not base64"}}
		}, "signature_document_not_pdf"},
		{"idsign without document name", "idsign", func(b map[string]any) {
			b["signatureDocuments"] = []map[string]any{{"name": " ", "contentBase64": samplePDF}}
		}, "invalid_signature_document"},
		{"idsign without e-mail", "idsign", func(b map[string]any) {
			delete(person(b), "email")
			person(b)["notifications"] = []string{"whatsapp"}
		}, "email_required"},
		{"signatureDocuments on idlive", "idlive", func(b map[string]any) {
			b["signatureDocuments"] = []map[string]any{{"name": "x.pdf", "contentBase64": samplePDF}}
		}, "signature_documents_not_allowed"},
		{"idtoken without bioTokenId", "idtoken", func(b map[string]any) { delete(b, "bioTokenId") }, "bio_token_id_required"},
		{"idtokensign without bioTokenId", "idtokensign", func(b map[string]any) { delete(b, "bioTokenId") }, "bio_token_id_required"},
		{"idtoken with a bioTokenId that is not a UUID", "idtoken", func(b map[string]any) { b["bioTokenId"] = "last-one" }, "invalid_bio_token_id"},
		{"bioTokenId on id", "id", func(b map[string]any) { b["bioTokenId"] = ref }, "bio_token_id_not_allowed"},
		{"idsmart without useCase", "idsmart", func(b map[string]any) { delete(b, "useCase") }, "use_case_required"},
		{"idsmart with a malformed useCase", "idsmart", func(b map[string]any) { b["useCase"] = "smart_revalidation" }, "invalid_use_case"},
		{"useCase on idlive", "idlive", func(b map[string]any) { b["useCase"] = useCase }, "use_case_not_allowed"},
		{"bad CPF check digits", "id", func(b map[string]any) { person(b)["cpf"] = "73689290075" }, "invalid_cpf"},
		{"CPF with letters", "id", func(b map[string]any) { person(b)["cpf"] = "7368929007a" }, "invalid_cpf"},
		{"name of 51 characters", "id", func(b map[string]any) { person(b)["name"] = strings.Repeat("Ã", 51) }, "name_too_long"},
		{"WhatsApp without phone", "id", func(b map[string]any) { delete(person(b), "phone") }, "phone_required"},
		{"SMS with a 12-digit phone", "id", func(b map[string]any) {
			person(b)["phone"], person(b)["notifications"] = "551197474909", []string{"sms"}
		}, "phone_required"},
		{"phone with letters", "id", func(b map[string]any) { person(b)["phone"] = "55119747ABCD" }, "invalid_phone"},
		{"e-mail channel without e-mail", "id", func(b map[string]any) {
			delete(person(b), "email")
			person(b)["notifications"] = []string{"email"}
		}, "email_required"},
		{"malformed e-mail", "id", func(b map[string]any) { person(b)["email"] = "maria at example" }, "invalid_email"},
		{"unknown channel", "id", func(b map[string]any) { person(b)["notifications"] = []string{"telegram"} }, "invalid_notification_channel"},
		{"bad phone country code", "id", func(b map[string]any) { person(b)["phoneCountryCodeAlpha3"] = "BR" }, "invalid_phone_country_code"},
		{"no person on a documented flow", "id", func(b map[string]any) { delete(b, "person") }, "person_required"},
		{"unknown flow", "idmagic", func(map[string]any) {}, "invalid_flow"},
		{"no flow", "", func(b map[string]any) { delete(b, "flow") }, "flow_required"},
		{"bad purpose", "id", func(b map[string]any) { b["purpose"] = "onboarding" }, "invalid_purpose"},
		{"no purpose", "id", func(b map[string]any) { delete(b, "purpose") }, "purpose_required"},
		{"negative expiry", "id", func(b map[string]any) { b["expiresInSeconds"] = -5 }, "invalid_expires_in"},
		{"expiry over 90 days", "id", func(b map[string]any) { b["expiresInSeconds"] = 91 * 24 * 3600 }, "invalid_expires_in"},
		{"companyBranchId not a UUID", "id", func(b map[string]any) { b["companyBranchId"] = "main branch" }, "invalid_company_branch_id"},
		{"clientReference with spaces", "id", func(b map[string]any) { b["clientReference"] = "order 42" }, "invalid_client_reference"},
		{"clientReference over 256", "id", func(b map[string]any) { b["clientReference"] = strings.Repeat("r", 257) }, "invalid_client_reference"},
		{"callbackUri with spaces", "id", func(b map[string]any) { b["callbackUri"] = "https://app.example.com/a b" }, "invalid_callback_uri"},
		{"unknown field", "id", func(b map[string]any) { b["flowConfig"] = map[string]any{} }, "unknown_field"},
		{"integration by_client here", "id", func(b map[string]any) { b["integration"] = "by_magic" }, "invalid_integration"},
	}
	before := unicoCreates(s)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := flowBody(c.flow, cpf, ref)
			c.mut(b)
			status, _, res := api.do("POST", "/v1/processes", demo, idemKey("bad"), b)
			if status != http.StatusBadRequest || get(res, "error", "code") != c.code {
				t.Fatalf("got %d %v, want 400 %s", status, res["error"], c.code)
			}
			msg := fmt.Sprint(get(res, "error", "message"))
			for _, pii := range []string{cpf, "73689290075", personName, personEmail, personPhone, "order 42", "main branch"} {
				if strings.Contains(msg, pii) {
					t.Fatalf("message echoes input: %s", msg)
				}
			}
		})
	}
	if n := unicoCreates(s); n != before {
		t.Fatalf("Unico was called %d times for bodies the gateway must refuse", n-before)
	}
}

// seedsDir holds the verbatim JSON examples of seeds 001 and 003.
const seedsDir = "../../shared/unico/testdata"

type seedCase struct {
	name    string
	raw     []byte // the seed, trailing commas repaired
	flow    string
	outcome domain.Outcome
	reason  string
}

func loadSeed(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(seedsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	return unico.RepairTrailingCommas(b)
}

// ocrVariant puts one of seed 001's per-type OCR examples ("The content returned in the
// process.services.documents.doc.data parameter ... can be consulted below") into seed 001's
// process: doc.code becomes the type and doc.data the example. This is the only way to feed
// those fragments through GetProcess; the fragments themselves are unchanged (the UNKNOWN one,
// "content {\n}", is the empty object it describes).
func ocrVariant(t *testing.T, process []byte, code, fragmentFile string) []byte {
	t.Helper()
	var data json.RawMessage = []byte("{}")
	if fragmentFile != "" {
		frag, err := os.ReadFile(filepath.Join(seedsDir, fragmentFile))
		if err != nil {
			t.Fatal(err)
		}
		_, obj, ok := strings.Cut(string(frag), ":")
		if !ok || !json.Valid([]byte(obj)) {
			t.Fatalf("%s: not a \"content\": {...} fragment", fragmentFile)
		}
		data = json.RawMessage(obj)
	}
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(process))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	doc := env["process"].(map[string]any)["services"].([]any)[0].(map[string]any)["documents"].([]any)[0].(map[string]any)["doc"].(map[string]any)
	doc["code"], doc["data"] = code, data
	out, _ := json.Marshal(env)
	return out
}

// TestByUnicoSeedsThroughRead feeds every JSON example of seeds 001 and 003 (trailing commas
// repaired, nothing else changed) through the simulator and GET /v1/processes/{id}: each is
// decoded (every authenticationInfo field, OCR per document type, signature ids, bioTokenData,
// companyData, expiry, numbers or strings, 2025-10-35 kept as text) and decided; none is a 500.
func TestByUnicoSeedsThroughRead(t *testing.T) {
	s, logs := startStackWith(t, nil)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	cpf := unicosim.ScenarioCPF("approved")
	ref := finishedReference(t, s, api, demo)

	seed001 := loadSeed(t, "seed001_byunico_getprocess_idunicosign.json")
	approvedByScore := func(name string, raw []byte, flow string) seedCase {
		return seedCase{name, raw, flow, domain.OutcomeApproved, domain.ReasonScoreApproved}
	}
	cases := []seedCase{
		approvedByScore("seed001 idunicosign", seed001, "idunicosign"),
		approvedByScore("seed001 OCR CNH", ocrVariant(t, seed001, "CNH", "seed001_ocr_cnh_content.txt"), "idunicosign"),
		approvedByScore("seed001 OCR RG", ocrVariant(t, seed001, "RG", "seed001_ocr_rg_content.txt"), "idunicosign"),
		approvedByScore("seed001 OCR CIN", ocrVariant(t, seed001, "CIN", "seed001_ocr_cin_content.txt"), "idunicosign"),
		approvedByScore("seed001 OCR Passport", ocrVariant(t, seed001, "Passport", "seed001_ocr_passport_content.txt"), "idunicosign"),
		approvedByScore("seed001 OCR UNKNOWN", ocrVariant(t, seed001, "UNKNOWN", ""), "idunicosign"),
		{"seed003 id", loadSeed(t, "seed003_byunico_id.json"), "id", domain.OutcomeReview, domain.ReasonIdentityInconclusive},
		approvedByScore("seed003 idcheck", loadSeed(t, "seed003_byunico_idcheck.json"), "idcheck"),
		approvedByScore("seed003 idcheckserpro", loadSeed(t, "seed003_byunico_idcheckserpro.json"), "idcheckserpro"),
		approvedByScore("seed003 iddocs", loadSeed(t, "seed003_byunico_iddocs.json"), "iddocs"),
		approvedByScore("seed003 iddocssign", loadSeed(t, "seed003_byunico_iddocssign.json"), "iddocssign"),
		{"seed003 idlive", loadSeed(t, "seed003_byunico_idlive.json"), "idlive", domain.OutcomeApproved, domain.ReasonLivenessConfirmed},
		approvedByScore("seed003 idsign", loadSeed(t, "seed003_byunico_idsign.json"), "idsign"),
		{"seed003 idtoken", loadSeed(t, "seed003_byunico_idtoken.json"), "idtoken", domain.OutcomeApproved, domain.ReasonBioTokenPositive},
	}
	files, _ := filepath.Glob(filepath.Join(seedsDir, "seed00[13]_byunico_*.json"))
	if len(files) != 9 {
		t.Fatalf("expected the 9 by-Unico JSON examples of seeds 001 and 003, found %d", len(files))
	}
	store := dynamostore.New(dynamolocaltest.Client(t, ddb), s.TableName)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, _ := create(t, api, demo, flowBody(c.flow, cpf, ref))
			var seed map[string]any
			dec := json.NewDecoder(bytes.NewReader(c.raw))
			dec.UseNumber()
			if err := dec.Decode(&seed); err != nil {
				t.Fatalf("seed after repair: %v", err)
			}
			sp := seed["process"].(map[string]any)
			// Necessary change: the seed's id is replaced by the id of the process created above,
			// so that the gateway has a stored process (tenant, flow) to read for it.
			s.Sim.SetRawProcess(id, bytes.ReplaceAll(c.raw, []byte(sp["id"].(string)), []byte(id)))

			status, v := api.readLive(id, demo)
			if status != http.StatusOK || v["source"] != "unico" {
				t.Fatalf("read: %d %v", status, v)
			}
			checkSeedView(t, sp, v)
			// Recorded with the final state: a read from the store answers the same, field for
			// field, but for the on-request parts; with the include it answers it whole.
			before := s.Sim.Stats().Calls["GET /client/v1/process/{id}"]
			_, _, stored := api.do("GET", "/v1/processes/"+id, demo, nil, nil)
			if stored["source"] != "store" || s.Sim.Stats().Calls["GET /client/v1/process/{id}"] != before {
				t.Fatalf("the read of a final process asked Unico: %v", stored)
			}
			if a, b := mustJSON(withoutOnRequest(v)), mustJSON(withoutOnRequest(stored)); a != b {
				t.Errorf("stored answer differs from the live one:\nlive   %s\nstored %s", a, b)
			}
			// (A process without documents has nothing on request: that read answers the store.)
			if _, again := api.readLive(id, demo); mustJSON(withoutSource(again)) != mustJSON(withoutSource(v)) {
				t.Errorf("include=documents after finalization differs:\nfirst %s\nagain %s", mustJSON(v), mustJSON(again))
			}
			if get(v, "decision", "outcome") != string(c.outcome) || firstReason(v) != c.reason {
				t.Errorf("decision %v, want %s %s", v["decision"], c.outcome, c.reason)
			}
			p, err := store.GetProcess(context.Background(), id)
			if err != nil || p.State != domain.StateFinished || p.Decision.Outcome != c.outcome || p.UnicoResult != sp["result"] {
				t.Errorf("stored: %+v %v", p, err)
			}
		})
	}
	// The numbers-or-strings and impossible-date cases, explicitly.
	for _, c := range []struct {
		seed string
		want map[string]string
	}{
		{"seed001_byunico_getprocess_idunicosign.json", map[string]string{"cpfNumero": "73689290074", "rgNumero": "5478854", "numero": "85775532778", "dataExpiracao": "2025-10-35T00:00:00Z"}},
		{"seed003_byunico_iddocs.json", map[string]string{"cpfNumero": "73689290074", "rgNumero": "5478854", "numero": "85775532778", "dataExpiracao": "2025-10-35T00:00:00Z"}},
	} {
		id, _ := create(t, api, demo, flowBody("iddocs", cpf, ref))
		raw := loadSeed(t, c.seed)
		var sp struct {
			Process struct {
				ID string `json:"id"`
			} `json:"process"`
		}
		_ = json.Unmarshal(raw, &sp)
		s.Sim.SetRawProcess(id, bytes.ReplaceAll(raw, []byte(sp.Process.ID), []byte(id))) // id replaced: see above
		_, v := api.readLive(id, demo)
		docs, _ := v["documents"].([]any)
		if len(docs) != 1 {
			t.Fatalf("%s: documents %v", c.seed, v["documents"])
		}
		ocr := docs[0].(map[string]any)["ocr"].(map[string]any)
		for k, want := range c.want {
			if ocr[k] != want {
				t.Errorf("%s: ocr.%s = %#v, want the string %q", c.seed, k, ocr[k], want)
			}
		}
	}
	if found := logging.FindPII(logs.String(), "73689290074", "Luke Skywalker", "Homer Simpson", "Daniel Coelho Da Costa", "luke@unico.co"); len(found) > 0 {
		t.Fatalf("personal data of the seeds in logs: %v", found)
	}
}

func withoutSource(v map[string]any) map[string]any {
	out := map[string]any{}
	for k, x := range v {
		if k != "source" {
			out[k] = x
		}
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func firstReason(v map[string]any) string {
	rs, _ := get(v, "decision", "reasons").([]any)
	if len(rs) == 0 {
		return ""
	}
	return fmt.Sprint(rs[0].(map[string]any)["code"])
}

// checkSeedView compares the API's view with the seed it was decoded from: every field the
// seed carries must come out, decoded.
func checkSeedView(t *testing.T, sp, v map[string]any) {
	t.Helper()
	jsonEq := func(a, b any) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Equal(x, y)
	}
	if get(v, "unico", "state") != sp["state"] || get(v, "unico", "result") != sp["result"] || v["state"] != "finished" {
		t.Errorf("state/result: %v", v["unico"])
	}
	if !jsonEq(get(v, "unico", "capacities"), sp["capacities"]) {
		t.Errorf("capacities %v, seed %v", get(v, "unico", "capacities"), sp["capacities"])
	}
	if sp["purpose"] != nil && get(v, "unico", "purpose") != sp["purpose"] {
		t.Errorf("purpose %v", get(v, "unico", "purpose"))
	}
	if sp["useCase"] != nil && get(v, "unico", "useCase") != sp["useCase"] {
		t.Errorf("useCase %v", get(v, "unico", "useCase"))
	}
	// Every authenticationInfo field, as sent.
	ai, _ := sp["authenticationInfo"].(map[string]any)
	got, _ := get(v, "results", "authenticationInfo").(map[string]any)
	for k, want := range ai {
		if !jsonEq(got[k], want) {
			t.Errorf("authenticationInfo.%s = %v, seed %v", k, got[k], want)
		}
	}
	if se, ok := ai["scoreEngineResult"].(map[string]any); ok && se["scoreEnabled"] == "SCORE_ENABLED_TRUE" {
		if !jsonEq(get(v, "results", "riskScore"), se["score"]) {
			t.Errorf("riskScore %v, seed %v", get(v, "results", "riskScore"), se["score"])
		}
	} else if get(v, "results", "riskScore") != nil {
		t.Errorf("riskScore %v without an enabled score engine", get(v, "results", "riskScore"))
	}
	if sr, ok := ai["serproResult"].(map[string]any); ok && !jsonEq(get(v, "results", "serproScore"), sr["score"]) {
		t.Errorf("serproScore %v, seed %v", get(v, "results", "serproScore"), sr["score"])
	}
	// companyData, bioTokenData.
	if cd, ok := sp["companyData"].(map[string]any); ok {
		if get(v, "unico", "companyBranchId") != cd["branchId"] || get(v, "unico", "companyCountryCode") != cd["countryCode"] {
			t.Errorf("companyData: %v, seed %v", v["unico"], cd)
		}
	}
	if bt, ok := sp["bioTokenData"].(map[string]any); ok {
		if get(v, "unico", "bioTokenReferenceProcessId") != bt["referenceProcessId"] || get(v, "unico", "bioTokenAuthenticationId") != bt["authenticationId"] {
			t.Errorf("bioTokenData: %v, seed %v", v["unico"], bt)
		}
	}
	// Expiry and finish.
	for _, k := range []string{"expiresAt", "finishedAt"} {
		want, ok := sp[k].(string)
		if !ok {
			continue
		}
		wt, _ := time.Parse(time.RFC3339Nano, want)
		gt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v[k]))
		if err != nil || !gt.Equal(wt) {
			t.Errorf("%s = %v, seed %s", k, v[k], want)
		}
	}
	// Documents with OCR per type, and the signature envelope.
	var seedDocs []map[string]any
	var envelope any
	var docIDs []any
	services, _ := sp["services"].([]any)
	for _, sv := range services {
		svc := sv.(map[string]any)
		for _, d := range asList(svc["documents"]) {
			seedDocs = append(seedDocs, d.(map[string]any))
		}
		if e, ok := svc["envelopeId"]; ok {
			envelope = e
			docIDs = append(docIDs, asList(svc["documentIds"])...)
		}
	}
	gotDocs := asList(v["documents"])
	if len(gotDocs) != len(seedDocs) {
		t.Fatalf("documents: %d, seed %d", len(gotDocs), len(seedDocs))
	}
	for i, sd := range seedDocs {
		gd := gotDocs[i].(map[string]any)
		doc := sd["doc"].(map[string]any)
		if gd["type"] != string(unico.NormalizeDocumentCode(fmt.Sprint(doc["code"]))) || gd["documentId"] != sd["doc_id"] ||
			gd["typified"] != sd["typified"] || gd["cpfMatch"] != sd["cpf_match"] || gd["faceMatch"] != sd["face_match"] ||
			gd["validated"] != sd["validate_doc"] || gd["reused"] != sd["reused_doc"] || gd["downloadUrl"] != sd["signed_url"] {
			t.Errorf("document %d: %v, seed %v", i, gd, sd)
		}
		ocr, _ := gd["ocr"].(map[string]any)
		data, _ := doc["data"].(map[string]any)
		for k, want := range data {
			if !jsonEq(ocr[k], asText(want)) {
				t.Errorf("document %d (%v) ocr.%s = %#v, want %#v", i, doc["code"], k, ocr[k], asText(want))
			}
		}
		if len(ocr) != len(data) {
			t.Errorf("document %d: %d OCR fields, seed %d", i, len(ocr), len(data))
		}
	}
	if envelope != nil {
		if get(v, "signature", "envelopeId") != envelope || !jsonEq(get(v, "signature", "documentIds"), docIDs) {
			t.Errorf("signature %v, seed %v %v", v["signature"], envelope, docIDs)
		}
	} else if v["signature"] != nil {
		t.Errorf("signature %v without an envelope in the seed", v["signature"])
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// asText is the OCR value the API promises: strings, numbers as their digits, lists of those.
func asText(v any) any {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = asText(e)
		}
		return out
	}
	return v
}

// TestByUnicoScenarioDecisions: every simulator scenario, finished through the simulator
// (webhook included), ends in the decision of Unico's rules and response-scenario table, both
// in the store (written by the webhook) and in the read.
func TestByUnicoScenarioDecisions(t *testing.T) {
	s, _ := startStackWith(t, nil)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	ref := finishedReference(t, s, api, demo)
	store := dynamostore.New(dynamolocaltest.Client(t, ddb), s.TableName)

	type row struct {
		flow, scenario string
		outcome        domain.Outcome
		reason         string
	}
	rows := []row{
		{"id", "approved", domain.OutcomeApproved, domain.ReasonIdentityPositive},
		{"id", "approved_by_score", domain.OutcomeApproved, domain.ReasonScoreApproved},
		{"id", "retry_score_zero", domain.OutcomeRetry, domain.ReasonScoreZero},
		{"id", "rejected_liveness", domain.OutcomeRejected, domain.ReasonLivenessFailed},
		{"id", "rejected_identity", domain.OutcomeRejected, domain.ReasonIdentityNegative},
		{"id", "rejected_fraudster", domain.OutcomeRejected, domain.ReasonFraudster},
		{"id", "error", domain.OutcomeRetry, domain.ReasonUnicoError},
		{"id", "failed", domain.OutcomeRetry, domain.ReasonProcessFailed},
		{"id", "expired", domain.OutcomeRetry, domain.ReasonExpired},
		{"id", "selfie_forbidden", domain.OutcomeApproved, domain.ReasonIdentityPositive},
		{"id", "quirks", domain.OutcomeApproved, domain.ReasonIdentityPositive},
		{"id", "rejected_by_score", domain.OutcomeRejected, domain.ReasonScoreNegative},
		{"id", "retry_liveness_unspecified", domain.OutcomeRetry, domain.ReasonLivenessMissing},
		{"id", "retry_auth_unspecified", domain.OutcomeRetry, domain.ReasonIdentityMissing},
		{"id", "retry_score_divergence", domain.OutcomeRetry, domain.ReasonRiskScoreDivergence},
		{"id", "review_inconclusive", domain.OutcomeReview, domain.ReasonIdentityInconclusive},
		// Flow families that decide on other results.
		{"idlive", "approved", domain.OutcomeApproved, domain.ReasonLivenessConfirmed},
		{"idlive", "rejected_liveness", domain.OutcomeRejected, domain.ReasonLivenessFailed},
		{"idtrust", "approved", domain.OutcomeApproved, domain.ReasonIdentityPositive},
		{"idtrust", "rejected_fraudster", domain.OutcomeRejected, domain.ReasonFraudster},
		{"idcheck", "approved_by_score", domain.OutcomeApproved, domain.ReasonScoreApproved},
		{"idcheckserpro", "rejected_by_score", domain.OutcomeRejected, domain.ReasonScoreNegative},
		{"iddocs", "approved", domain.OutcomeApproved, domain.ReasonIdentityPositive},
		{"idunicodocssign", "approved", domain.OutcomeApproved, domain.ReasonIdentityPositive},
		{"idtoken", "approved", domain.OutcomeApproved, domain.ReasonBioTokenPositive},
		{"idtoken", "rejected_identity", domain.OutcomeRejected, domain.ReasonBioTokenNegative},
		{"idtokentrust", "rejected_liveness", domain.OutcomeRejected, domain.ReasonLivenessFailed},
		{"idsmart", "approved", domain.OutcomeApproved, domain.ReasonSmartPositive},
		{"idsmart", "rejected_identity", domain.OutcomeRejected, domain.ReasonSmartNegative},
		{"idage", "approved", domain.OutcomeReview, domain.ReasonAgeUnreviewed},
		{"idagedocumentless", "approved", domain.OutcomeReview, domain.ReasonAgeUnreviewed},
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.scenario] = true
		t.Run(r.flow+"/"+r.scenario, func(t *testing.T) {
			cpf := unicosim.ScenarioCPF(r.scenario)
			id, _ := create(t, api, demo, flowBody(r.flow, cpf, ref))
			if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
				t.Fatal(err)
			}
			v := api.readFinal(id, demo)
			if get(v, "decision", "outcome") != string(r.outcome) || firstReason(v) != r.reason {
				t.Fatalf("read: decision %v, want %s %s", v["decision"], r.outcome, r.reason)
			}
			want := domain.StateFinished
			if r.scenario == "failed" {
				want = domain.StateFailed
			}
			p, err := store.GetProcess(context.Background(), id)
			if err != nil || p.State != want || p.Decision.Outcome != r.outcome || p.Decision.Reasons[0].Code != r.reason {
				t.Fatalf("stored: %+v %v", p, err)
			}
		})
	}
	for _, sc := range unicosim.ScenarioTable() {
		if sc.Integration == "by Unico" && !covered[sc.Name] {
			t.Errorf("simulator scenario %s has no expected decision here", sc.Name)
		}
	}
}

// TestByUnicoRiskScoreThresholdIsConfiguration: MIN_RISK_SCORE moves an inconclusive identity
// with score 50 from approved to review.
func TestByUnicoRiskScoreThresholdIsConfiguration(t *testing.T) {
	s, _ := startStackWith(t, func(c *gateway.Config) { c.MinRiskScore = 60 })
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	id, _ := create(t, api, demo, flowBody("idcheck", unicosim.ScenarioCPF("approved_by_score"), ""))
	if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if v := api.readFinal(id, demo); get(v, "decision", "outcome") != "review" || firstReason(v) != domain.ReasonScoreBelowThreshold {
		t.Fatalf("score 50 with threshold 60: %v", v["decision"])
	}
}

// rawResponse is an answer whose body may be binary.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r rawResponse) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	return m
}

func (r rawResponse) code() any { return get(r.json(), "error", "code") }

func doRaw(t *testing.T, base, method, path, key string, body any) rawResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rawResponse{res.StatusCode, res.Header, b}
}

func signDocIDs(t *testing.T, api client, key, id string) []string {
	t.Helper()
	v := api.readFinal(id, key)
	status := 200
	var out []string
	for _, d := range asList(get(v, "signature", "documentIds")) {
		out = append(out, d.(string))
	}
	if status != 200 || len(out) == 0 {
		t.Fatalf("signature ids: %d %v", status, v)
	}
	return out
}

// TestByUnicoArtefacts: the selfie, the evidence set, signed documents and their evidence are
// fetched from Unico on demand and streamed byte for byte, tenant-scoped; Unico's 403, 404 and
// 410 become clear answers; and nothing of the artefacts lands in DynamoDB or in the logs.
func TestByUnicoArtefacts(t *testing.T) {
	// A burst of artefact reads, each a Unico call: beyond what Unico's 10 calls per second
	// let reads wait for (the budget's test is budget_test.go); the budget still runs.
	s, logs := startStackWith(t, burstBudget)
	api := client{t, s.APIURL}
	demo, other := s.Tenants[0].APIKey, s.Tenants[1].APIKey
	ctx := context.Background()
	uc := s.Functions["get"].Unico // the gateway's own Unico client: what Unico answers directly
	cpf := unicosim.ScenarioCPF("approved")

	id, _ := create(t, api, demo, flowBody("idunicosign", cpf, ""))
	// Before the person finished, Unico has no selfie: 404, not a 500.
	if r := doRaw(t, s.APIURL, "GET", "/v1/processes/"+id+"/selfie", demo, nil); r.status != 404 || r.code() != domain.CodeArtefactNotFound {
		t.Fatalf("selfie before finish: %d %s", r.status, r.body)
	}
	if err := s.Sim.Finish(ctx, id, ""); err != nil {
		t.Fatal(err)
	}

	var served [][]byte
	binary := func(path, wantType string, want []byte) {
		t.Helper()
		r := doRaw(t, s.APIURL, "GET", path, demo, nil)
		if r.status != 200 || r.header.Get("Content-Type") != wantType || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %q %q %.200s", path, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"), r.body)
		}
		if !bytes.Equal(r.body, want) {
			t.Fatalf("%s: %d bytes differ from Unico's %d", path, len(r.body), len(want))
		}
		served = append(served, r.body)
	}
	selfie, err := uc.GetSelfie(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	rawSelfie, err := uc.GetSelfie(ctx, id, true)
	if err != nil || bytes.Equal(rawSelfie.Data, selfie.Data) {
		t.Fatalf("the simulator's raw selfie should differ from the watermarked one: %v", err)
	}
	binary("/v1/processes/"+id+"/selfie", "image/jpeg", selfie.Data)
	binary("/v1/processes/"+id+"/selfie?raw=true", "image/jpeg", rawSelfie.Data)
	if r := doRaw(t, s.APIURL, "GET", "/v1/processes/"+id+"/selfie?raw=yes", demo, nil); r.status != 400 || r.code() != "invalid_raw" {
		t.Fatalf("raw=yes: %d %s", r.status, r.body)
	}
	ev, err := uc.GetEvidenceSet(ctx, id)
	if err != nil || !bytes.HasPrefix(ev.Data, []byte("%PDF")) {
		t.Fatalf("evidence set: %v", err)
	}
	binary("/v1/processes/"+id+"/evidence-set", "application/pdf", ev.Data)
	docs := signDocIDs(t, api, demo, id)
	if len(docs) != 2 {
		t.Fatalf("two PDFs were sent to sign, Unico reports %d", len(docs))
	}
	for _, d := range docs {
		sd, err := uc.GetSignedDocument(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		binary("/v1/processes/"+id+"/signed-documents/"+d, "application/pdf", sd.Data)
		se, err := uc.GetSignatureEvidence(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		binary("/v1/processes/"+id+"/signature-evidence/"+d, "application/pdf", se.Data)
	}

	// Unico Sign answering base64 text instead of a binary PDF: the caller still gets the PDF.
	s.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/api/v1/service/file/" + docs[0], Status: 200,
		Body: base64.StdEncoding.EncodeToString(ev.Data), Times: 1})
	binary("/v1/processes/"+id+"/signed-documents/"+docs[0], "application/pdf", ev.Data)

	// Tenancy and document ownership: nothing is asked of Unico's file endpoints. otherDoc
	// belongs to another process (of the same tenant: the package's tests share the table and
	// the end-to-end test expects the "other" tenant to own nothing).
	second, _ := create(t, api, demo, flowBody("idsign", cpf, ""))
	if err := s.Sim.Finish(ctx, second, ""); err != nil {
		t.Fatal(err)
	}
	otherDoc := signDocIDs(t, api, demo, second)[0]
	calls := func() int {
		st := s.Sim.Stats().Calls
		return st["GET /client/v1/process/{id}/selfie"] + st["GET /client/v1/process/{id}/evidenceset"] +
			st["GET /api/v1/service/file/{documentId}"] + st["GET /api/v1/service/evidence/{documentId}"]
	}
	before := calls()
	for _, c := range []struct {
		path, key string
		status    int
		code      string
	}{
		{"/v1/processes/" + id + "/selfie", other, 404, domain.CodeNotFound},
		{"/v1/processes/" + id + "/evidence-set", other, 404, domain.CodeNotFound},
		{"/v1/processes/" + id + "/signed-documents/" + docs[0], other, 404, domain.CodeNotFound},
		{"/v1/processes/" + id + "/signed-documents/" + otherDoc, demo, 404, domain.CodeDocumentNotInProcess},
		{"/v1/processes/" + id + "/signature-evidence/" + otherDoc, demo, 404, domain.CodeDocumentNotInProcess},
		{"/v1/processes/" + id + "/signed-documents/9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", demo, 404, domain.CodeDocumentNotInProcess},
		{"/v1/processes/" + id + "/signed-documents/not-an-id", demo, 400, domain.CodeInvalidDocumentID},
		{"/v1/processes/not-a-process/selfie", demo, 404, domain.CodeNotFound},
	} {
		if r := doRaw(t, s.APIURL, "GET", c.path, c.key, nil); r.status != c.status || r.code() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.path, r.status, r.body, c.status, c.code)
		}
	}
	if n := calls() - before; n != 0 {
		t.Fatalf("%d Unico file calls for requests the gateway must refuse", n)
	}

	// Unico's refusals become clear answers.
	forbidden, _ := create(t, api, demo, flowBody("id", unicosim.ScenarioCPF("selfie_forbidden"), ""))
	errored, _ := create(t, api, demo, flowBody("id", unicosim.ScenarioCPF("error"), ""))
	for _, p := range []string{forbidden, errored} {
		if err := s.Sim.Finish(ctx, p, ""); err != nil {
			t.Fatal(err)
		}
	}
	s.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/client/v1/process/" + id + "/evidenceset", Status: 410,
		Body: `{"code":5,"message":"evidence set retention expired","details":[]}`, Times: 1})
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/processes/" + forbidden + "/selfie", 403, domain.CodeSelfieNotPermitted},
		{"/v1/processes/" + errored + "/selfie", 404, domain.CodeArtefactNotFound},
		{"/v1/processes/" + errored + "/evidence-set", 404, domain.CodeArtefactNotFound},
		{"/v1/processes/" + id + "/evidence-set", 410, domain.CodeArtefactExpired},
		{"/v1/processes/" + errored + "/signed-documents/" + docs[0], 404, domain.CodeDocumentNotInProcess},
	} {
		if r := doRaw(t, s.APIURL, "GET", c.path, demo, nil); r.status != c.status || r.code() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.path, r.status, r.body, c.status, c.code)
		}
	}

	// Nothing of the artefacts in DynamoDB: scan every item of the table.
	db := dynamolocaltest.Client(t, ddb)
	var items []map[string]types.AttributeValue
	pager := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(s.TableName)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
	}
	if len(items) == 0 {
		t.Fatal("the scan saw no items: it proves nothing")
	}
	var dump bytes.Buffer
	for _, it := range items {
		for k, v := range it {
			dump.WriteString(k)
			dump.WriteString(attrText(v))
		}
	}
	var planted []string
	for _, b := range served {
		planted = append(planted, string(b[:24]), base64.StdEncoding.EncodeToString(b)[:40], base64.StdEncoding.EncodeToString(b[len(b)/2:])[8:48])
	}
	planted = append(planted, "%PDF", "JVBERi0", "/9j/", "\xff\xd8\xff")
	// Exact substrings (FindPII would also flag the CPF-like digit runs of hashes and keys).
	for i, p := range planted {
		if strings.Contains(dump.String(), p) {
			t.Fatalf("artefact bytes (planted[%d]) in DynamoDB", i)
		}
	}
	if found := logging.FindPII(logs.String(), append(planted, cpf, personName, personEmail, personPhone)...); len(found) > 0 {
		t.Fatalf("artefact bytes or personal data in logs: %v", found)
	}
	if !strings.Contains(logs.String(), `"route":"GET /v1/processes/{id}/selfie"`) {
		t.Fatal("the log capture saw no artefact requests: the scan proves nothing")
	}
}

func attrText(v types.AttributeValue) string {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return x.Value
	case *types.AttributeValueMemberN:
		return x.Value
	case *types.AttributeValueMemberB:
		return string(x.Value)
	case *types.AttributeValueMemberM:
		var b strings.Builder
		for k, e := range x.Value {
			b.WriteString(k + attrText(e))
		}
		return b.String()
	case *types.AttributeValueMemberL:
		var b strings.Builder
		for _, e := range x.Value {
			b.WriteString(attrText(e))
		}
		return b.String()
	case *types.AttributeValueMemberSS:
		return strings.Join(x.Value, "")
	}
	return ""
}

// TestByUnicoSetDocument: a custom flow created without a person gets its document through
// PUT /v1/processes/{id}/document (validated first, tenant-scoped, once), then runs as usual.
func TestByUnicoSetDocument(t *testing.T) {
	s, logs := startStackWith(t, nil)
	api := client{t, s.APIURL}
	demo, other := s.Tenants[0].APIKey, s.Tenants[1].APIKey
	cpf := unicosim.ScenarioCPF("approved")
	id, _ := create(t, api, demo, map[string]any{"flow": "idunicodocs_r2", "purpose": "biometryonboarding"})
	sets := func() int { return s.Sim.Stats().Calls["POST /client/v1/process/{id}/document"] }
	path := "/v1/processes/" + id + "/document"

	for _, c := range []struct {
		name, key string
		body      any
		status    int
		code      string
	}{
		{"bad CPF", demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": "73689290075"}, 400, "invalid_cpf"},
		{"unknown type", demo, map[string]any{"duiType": "DUI_TYPE_BR_RG", "duiValue": cpf}, 400, domain.CodeInvalidDUIType},
		{"no value", demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF"}, 400, "dui_value_required"},
		{"bad SSN", demo, map[string]any{"duiType": "DUI_TYPE_US_SSN", "duiValue": "12-34"}, 400, domain.CodeInvalidDUIValue},
		{"unknown field", demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": cpf, "name": "x"}, 400, "unknown_field"},
		{"other tenant", other, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": cpf}, 404, domain.CodeNotFound},
	} {
		if r := doRaw(t, s.APIURL, "PUT", path, c.key, c.body); r.status != c.status || r.code() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
	if n := sets(); n != 0 {
		t.Fatalf("Unico was called %d times for refused documents", n)
	}

	r := doRaw(t, s.APIURL, "PUT", path, demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": "100.000.001-08"})
	v := r.json()
	if r.status != 200 || v["state"] != "created" || v["cpfMasked"] != "***.***.***-08" || get(v, "decision", "outcome") != "pending" {
		t.Fatalf("set document: %d %s", r.status, r.body)
	}
	if sets() != 1 {
		t.Fatalf("Unico document calls: %d", sets())
	}
	// The document is immutable: a second PUT is refused without asking Unico.
	if r := doRaw(t, s.APIURL, "PUT", path, demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": cpf}); r.status != 409 || r.code() != domain.CodeNotAwaitingDocument {
		t.Fatalf("second PUT: %d %s", r.status, r.body)
	}
	// A documented flow never waits for a document.
	plain, _ := create(t, api, demo, flowBody("id", cpf, ""))
	if r := doRaw(t, s.APIURL, "PUT", "/v1/processes/"+plain+"/document", demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": cpf}); r.status != 409 || r.code() != domain.CodeNotAwaitingDocument {
		t.Fatalf("PUT on a documented flow: %d %s", r.status, r.body)
	}
	if sets() != 1 {
		t.Fatalf("Unico document calls: %d", sets())
	}
	// The person can now finish; the process is decided as any other.
	if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if v := api.readFinal(id, demo); v["state"] != "finished" || get(v, "decision", "outcome") != "approved" {
		t.Fatalf("after finish: %v", v)
	}

	// Unico refusing (its process already has a document although our record says otherwise):
	// 409, not a 500.
	id2, _ := create(t, api, demo, map[string]any{"flow": "idunicodocs_r2", "purpose": "biometryonboarding"})
	s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/client/v1/process/" + id2 + "/document", Status: 400,
		Body: `{"code":9,"message":"the process document is already set and cannot be changed","details":[]}`, Times: 1})
	if r := doRaw(t, s.APIURL, "PUT", "/v1/processes/"+id2+"/document", demo, map[string]any{"duiType": "DUI_TYPE_BR_CPF", "duiValue": cpf}); r.status != 409 || r.code() != domain.CodeNotAwaitingDocument {
		t.Fatalf("Unico code 9: %d %s", r.status, r.body)
	}
	if found := logging.FindPII(logs.String(), cpf, "10000000108", "100.000.001-08"); len(found) > 0 {
		t.Fatalf("CPF in logs: %v", found)
	}
}

// TestByUnicoErrorEnvelopes: both of Unico's error envelopes are decoded and mapped to stable
// codes without passing Unico's message on; 5xx and 429 become 502/503/429 with Retry-After.
func TestByUnicoErrorEnvelopes(t *testing.T) {
	s, logs := startStackWith(t, burstBudget) // artefact GETs retried on 5xx: bursts of Unico calls
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	cpf := unicosim.ScenarioCPF("approved")
	leak := "73689290074" // a CPF inside Unico's message: it must not come out

	type tc struct {
		name       string
		fault      unicosim.Fault
		status     int
		code       string
		retryAfter string // "" = any, "-" = none
		unicoCode  string
	}
	createCases := []tc{
		{"documented envelope", unicosim.Fault{Status: 400, Body: `{"error":{"code":"0000","description":"invalid person ` + leak + `"}}`}, 400, domain.CodeUnicoRejected, "-", "0000"},
		{"grpc-gateway envelope", unicosim.Fault{Status: 400, Body: `{"code":3,"message":"invalid person: friendly name exceeds 50 characters. ` + leak + `","details":[]}`}, 400, domain.CodeUnicoRejected, "-", "3"},
		{"account not configured", unicosim.Fault{Status: 400, Body: `{"code":9,"message":"XX ID Apikeys are not set","details":[]}`}, 502, "unico_account_not_configured", "-", "9"},
		{"unavailable", unicosim.Fault{Status: 503, RetryAfter: "3"}, 503, domain.CodeUnicoUnavailable, "3", ""},
		{"internal error", unicosim.Fault{Status: 500, Body: `{"code":99999,"message":"Internal failure! Try again later"}`}, 502, "unico_error", "5", "99999"},
		// Last: Unico's 429 pauses the fleet's budget for its Retry-After (1 s here, shorter
		// than a create's 3 s wait, so the next create waits for the pause instead of failing).
		{"rate limited", unicosim.Fault{Status: 429, RetryAfter: "1", Body: `{"code":8,"message":"too many requests"}`}, 429, domain.CodeUnicoRateLimited, "1", ""},
	}
	for _, c := range createCases {
		t.Run("create/"+c.name, func(t *testing.T) {
			s.Sim.ClearFaults()
			f := c.fault
			f.Method, f.PathPrefix = "POST", "/client/v1/process"
			s.Sim.InjectFault(f)
			defer s.Sim.ClearFaults()
			status, hdr, res := api.do("POST", "/v1/processes", demo, idemKey("env"), flowBody("id", cpf, ""))
			checkUnicoError(t, status, hdr, res, c.status, c.code, c.retryAfter, c.unicoCode, leak)
		})
	}

	// Artefacts (GETs: retried by the client on 5xx before it gives up).
	id, _ := create(t, api, demo, flowBody("idsign", cpf, ""))
	if err := s.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	doc := signDocIDs(t, api, demo, id)[0]
	getCases := []struct {
		tc
		prefix, path string
	}{
		{tc{"selfie 500", unicosim.Fault{Status: 500, Body: `{"code":99999,"message":"Internal failure! Try again later"}`}, 502, "unico_error", "5", "99999"},
			"/client/v1/process/" + id + "/selfie", "/selfie"},
		{tc{"selfie 503", unicosim.Fault{Status: 503, RetryAfter: "1"}, 503, domain.CodeUnicoUnavailable, "1", ""},
			"/client/v1/process/" + id + "/selfie", "/selfie"},
		{tc{"selfie 403 documented envelope", unicosim.Fault{Status: 403, Body: `{"error":{"code":"7","description":"no permission ` + leak + `"}}`}, 403, domain.CodeSelfieNotPermitted, "-", ""},
			"/client/v1/process/" + id + "/selfie", "/selfie"},
		{tc{"sign host 500", unicosim.Fault{Status: 500, Body: `{"Sucess":false,"Message":"boom ` + leak + `","Data":null}`}, 502, "unico_error", "5", "sign_error"},
			"/api/v1/service/file/" + doc, "/signed-documents/" + doc},
		{tc{"sign host 404", unicosim.Fault{Status: 404, Body: `{"Sucess":false,"Message":"Document not found","Data":null}`}, 404, domain.CodeArtefactNotFound, "-", ""},
			"/api/v1/service/evidence/" + doc, "/signature-evidence/" + doc},
		// Last: Unico's 429 pauses the fleet's budget for its Retry-After.
		{tc{"evidence 429", unicosim.Fault{Status: 429, RetryAfter: "2", Body: `{"error":{"code":"429","description":"rate"}}`}, 429, domain.CodeUnicoRateLimited, "2", ""},
			"/client/v1/process/" + id + "/evidenceset", "/evidence-set"},
	}
	for _, c := range getCases {
		t.Run("artefact/"+c.name, func(t *testing.T) {
			f := c.fault
			f.Method, f.PathPrefix = "GET", c.prefix
			s.Sim.InjectFault(f)
			defer s.Sim.ClearFaults()
			r := doRaw(t, s.APIURL, "GET", "/v1/processes/"+id+c.path, demo, nil)
			checkUnicoError(t, r.status, r.header, r.json(), c.status, c.code, c.retryAfter, c.unicoCode, leak)
		})
	}
	// The process read survives Unico failing: the stored state, marked as such, never a 500.
	s.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/client/v1/process/" + id, Status: 500, Body: `{"code":99999,"message":"x"}`})
	status, _, v := api.do("GET", "/v1/processes/"+id, demo, nil, nil)
	s.Sim.ClearFaults()
	if status != 200 || v["source"] != "store" || get(v, "decision", "outcome") != "approved" {
		t.Fatalf("read with Unico down: %d %v", status, v)
	}
	if found := logging.FindPII(logs.String(), leak, cpf, personName); len(found) > 0 {
		t.Fatalf("Unico's message or personal data in logs: %v", found)
	}
}

func checkUnicoError(t *testing.T, status int, hdr http.Header, res map[string]any, wantStatus int, wantCode, retryAfter, unicoCode, leak string) {
	t.Helper()
	msg := fmt.Sprint(get(res, "error", "message"))
	if status != wantStatus || get(res, "error", "code") != wantCode {
		t.Fatalf("got %d %v, want %d %s", status, res["error"], wantStatus, wantCode)
	}
	switch ra := hdr.Get("Retry-After"); retryAfter {
	case "-":
		if ra != "" {
			t.Errorf("Retry-After %q on a definite error", ra)
		}
	case "":
	default:
		if ra != retryAfter {
			t.Errorf("Retry-After %q, want %s", ra, retryAfter)
		}
	}
	if unicoCode != "" && !strings.Contains(msg, "Unico code "+unicoCode) {
		t.Errorf("message %q does not name Unico's code %s", msg, unicoCode)
	}
	if strings.Contains(msg, leak) || strings.Contains(msg, "friendly name") || strings.Contains(msg, "Internal failure") {
		t.Errorf("Unico's message passed on: %q", msg)
	}
}

// TestByUnicoUnknownValuesKept: enum values the gateway does not know are kept verbatim in the
// answer, logged, and decided "review" (never a 500, never dropped).
func TestByUnicoUnknownValuesKept(t *testing.T) {
	s, logs := startStackWith(t, refreshEveryRead)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	id, _ := create(t, api, demo, flowBody("id", unicosim.ScenarioCPF("approved"), ""))
	raw := loadSeed(t, "seed003_byunico_id.json")
	raw = bytes.ReplaceAll(raw, []byte("53060f52-f146-4c12-a234-5bb5031f6f5b"), []byte(id)) // id replaced: see TestByUnicoSeedsThroughRead
	raw = bytes.Replace(raw, []byte(`"PROCESS_RESULT_OK"`), []byte(`"PROCESS_RESULT_SOMETHING_NEW"`), 1)
	raw = bytes.Replace(raw, []byte(`"LIVENESS_RESULT_LIVE"`), []byte(`"LIVENESS_RESULT_MAYBE"`), 1)
	s.Sim.SetRawProcess(id, raw)
	status, _, v := api.do("GET", "/v1/processes/"+id, demo, nil, nil)
	if status != 200 || get(v, "unico", "result") != "PROCESS_RESULT_SOMETHING_NEW" ||
		get(v, "results", "authenticationInfo", "livenessResult") != "LIVENESS_RESULT_MAYBE" ||
		get(v, "decision", "outcome") != "review" || firstReason(v) != domain.ReasonUnknownResult {
		t.Fatalf("unknown values: %d %v", status, v)
	}
	// Recorded as they came: the stored answer keeps them too.
	if _, _, stored := api.do("GET", "/v1/processes/"+id, demo, nil, nil); stored["source"] != "store" ||
		get(stored, "unico", "result") != "PROCESS_RESULT_SOMETHING_NEW" || get(stored, "results", "authenticationInfo", "livenessResult") != "LIVENESS_RESULT_MAYBE" {
		t.Fatalf("unknown values, stored: %v", stored)
	}
	if !strings.Contains(logs.String(), "PROCESS_RESULT_SOMETHING_NEW") || !strings.Contains(logs.String(), "LIVENESS_RESULT_MAYBE") {
		t.Fatal("unknown enum values were not logged")
	}
}
