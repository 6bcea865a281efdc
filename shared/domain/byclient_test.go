package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func res(v string) *unico.Result { return &unico.Result{Result: v} }

func ptr[T any](v T) *T { return &v }

// TestDecideClientTable covers every status, every capability set, both 1:1 shapes, the score
// threshold and the behavior alert.
func TestDecideClientTable(t *testing.T) {
	const (
		live, ident, score, one, docs = unico.CapabilityLiveness, unico.CapabilityIdentity, unico.CapabilityRiskScore, unico.CapabilityOneToOne, unico.CapabilityDocuments
	)
	cp := func(status int) unico.ClientProcess { return unico.ClientProcess{ID: "x", Status: status} }
	with := func(p unico.ClientProcess, f func(*unico.ClientProcess)) unico.ClientProcess { f(&p); return p }
	cases := []struct {
		name       string
		capability string
		p          unico.ClientProcess
		outcome    Outcome
		reasons    []string
	}{
		{"status 1 pending", ident, cp(1), OutcomePending, []string{ReasonUnicoProcessing}},
		{"status 1 document pending", docs, cp(1), OutcomePending, []string{ReasonDocumentProcessing}},
		{"status 2 divergence review", score, with(cp(2), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(10.0) }), OutcomeReview, []string{ReasonRiskScoreDivergence}},
		{"status 4 canceled retry", ident, cp(4), OutcomeRetry, []string{ReasonProcessCanceled}},
		{"status 5 error retry", one, cp(5), OutcomeRetry, []string{ReasonUnicoError}},
		{"unknown status review", ident, cp(9), OutcomeReview, []string{ReasonUnknownState}},

		{"liveness live", live, with(cp(3), func(p *unico.ClientProcess) { p.Liveness = 1 }), OutcomeApproved, []string{ReasonLivenessConfirmed}},
		{"liveness not live", live, with(cp(3), func(p *unico.ClientProcess) { p.Liveness = 2 }), OutcomeRejected, []string{ReasonLivenessFailed}},
		{"liveness missing", live, cp(3), OutcomeRetry, []string{ReasonLivenessMissing}},

		{"identity yes", ident, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("yes") }), OutcomeApproved, []string{ReasonIdentityPositive}},
		{"identity Yes capitalised", ident, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res(" Yes ") }), OutcomeApproved, []string{ReasonIdentityPositive}},
		{"identity yes fraudster review", ident, with(cp(3), func(p *unico.ClientProcess) {
			p.UnicoID, p.IdentityFraudsters = res("yes"), res("YES")
		}), OutcomeReview, []string{ReasonIdentityPositive, ReasonFraudster}},
		{"identity no", ident, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("No"); p.Liveness = 1 }), OutcomeRejected, []string{ReasonIdentityNegative}},
		{"identity not live", ident, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("no"); p.Liveness = 2 }), OutcomeRejected, []string{ReasonLivenessFailed}},
		{"identity inconclusive no score", ident, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("Inconclusive"); p.Liveness = 1 }), OutcomeReview, []string{ReasonIdentityInconclusive}},
		{"identity inconclusive fraudster", ident, with(cp(3), func(p *unico.ClientProcess) {
			p.UnicoID, p.IdentityFraudsters = res("inconclusive"), res("yes")
		}), OutcomeRejected, []string{ReasonFraudster}},
		{"identity missing", ident, with(cp(3), func(p *unico.ClientProcess) { p.Liveness = 1 }), OutcomeRetry, []string{ReasonIdentityMissing}},
		{"identity unknown value", ident, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("maybe") }), OutcomeReview, []string{ReasonUnknownResult}},

		{"score at threshold", score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(50.0) }), OutcomeApproved, []string{ReasonScoreApproved}},
		{"score top of range", score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(95.0) }), OutcomeApproved, []string{ReasonScoreApproved}},
		{"score below threshold (seed 000: 42)", score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(42.0) }), OutcomeReview, []string{ReasonScoreBelowThreshold}},
		{"score zero", score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(0.0) }), OutcomeRetry, []string{ReasonScoreZero}},
		{"score negative", score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(-90.0) }), OutcomeRejected, []string{ReasonScoreNegative}},
		{"score key, identity yes", score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("yes") }), OutcomeApproved, []string{ReasonIdentityPositive}},

		{"1:1 authenticated true", one, with(cp(3), func(p *unico.ClientProcess) { p.Authenticated = ptr(true); p.Liveness = 1 }), OutcomeApproved, []string{ReasonBioTokenPositive}},
		{"1:1 authenticated false", one, with(cp(3), func(p *unico.ClientProcess) { p.Authenticated = ptr(false); p.Liveness = 1 }), OutcomeRejected, []string{ReasonBioTokenNegative}},
		{"1:1 biometryToken \"true\"", one, with(cp(3), func(p *unico.ClientProcess) { p.BiometryToken = res("true") }), OutcomeApproved, []string{ReasonBioTokenPositive}},
		{"1:1 biometryToken \"false\"", one, with(cp(3), func(p *unico.ClientProcess) { p.BiometryToken = res("false") }), OutcomeRejected, []string{ReasonBioTokenNegative}},
		{"1:1 seed 004: matched, fraudster", one, with(cp(3), func(p *unico.ClientProcess) {
			p.BiometryToken, p.IdentityFraudsters, p.Liveness = res("true"), res("yes"), 1
		}), OutcomeReview, []string{ReasonBioTokenPositive, ReasonFraudster}},
		{"1:1 not live", one, with(cp(3), func(p *unico.ClientProcess) { p.BiometryToken = res("true"); p.Liveness = 2 }), OutcomeRejected, []string{ReasonLivenessFailed}},
		{"1:1 missing", one, with(cp(3), func(p *unico.ClientProcess) { p.Liveness = 1 }), OutcomeRetry, []string{ReasonBioTokenMissing}},
		{"1:1 unknown value", one, with(cp(3), func(p *unico.ClientProcess) { p.BiometryToken = res("perhaps") }), OutcomeReview, []string{ReasonUnknownResult}},

		{"document processed", docs, with(cp(3), func(p *unico.ClientProcess) { p.Document = &unico.ClientDocument{ID: "d", CPFMatch: ptr(true)} }), OutcomeApproved, []string{ReasonDocumentProcessed}},
		{"document cpf mismatch", docs, with(cp(3), func(p *unico.ClientProcess) { p.Document = &unico.ClientDocument{ID: "d", CPFMatch: ptr(false)} }), OutcomeReview, []string{ReasonDocumentCPFMismatch}},
		{"document missing", docs, cp(3), OutcomeReview, []string{ReasonDocumentMissing}},
		{"document error", docs, cp(5), OutcomeRetry, []string{ReasonUnicoError}},
	}
	for _, c := range cases {
		d := DecideClient(c.capability, c.p, 50)
		var got []string
		for _, r := range d.Reasons {
			got = append(got, r.Code)
		}
		if d.Outcome != c.outcome || strings.Join(got, ",") != strings.Join(c.reasons, ",") {
			t.Errorf("%s: got %s %v, want %s %v", c.name, d.Outcome, got, c.outcome, c.reasons)
		}
	}
	// Status 5 tells the caller what Unico recommends.
	if m := DecideClient(ident, cp(5), 50).Reasons[0].Message; !strings.Contains(m, "3 new attempts") {
		t.Errorf("status 5 message: %s", m)
	}
	// The threshold is the configured one.
	if d := DecideClient(score, with(cp(3), func(p *unico.ClientProcess) { p.UnicoID = res("inconclusive"); p.Score = ptr(42.0) }), 40); d.Outcome != OutcomeApproved {
		t.Errorf("threshold 40: %s", d.Outcome)
	}
}

func TestClientStateAndApply(t *testing.T) {
	for status, want := range map[int]State{1: StateProcessing, 2: StateFinished, 3: StateFinished, 4: StateCanceled, 5: StateFailed} {
		var p Process
		applyClient(&p, unico.ClientProcess{Status: status, UnicoID: res("Yes")}, 50, testNow)
		if p.State != want || p.UnicoState != fmt.Sprint(status) || p.UnicoResult != "yes" || (want.Final() != !p.FinishedAt.IsZero()) {
			t.Errorf("status %d: %+v", status, p)
		}
	}
	// An unknown status never moves a process backwards.
	p := Process{State: StateFinished}
	applyClient(&p, unico.ClientProcess{Status: 7}, 50, testNow)
	if p.State != StateFinished || p.Decision.Outcome != OutcomeReview {
		t.Errorf("unknown status: %+v", p)
	}
}

func TestClientRequestValidation(t *testing.T) {
	const selfie = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln"
	base := func(capability string) CreateRequest {
		return CreateRequest{Integration: ByClient, Capability: capability, Selfie: selfie, UseCase: "Onboarding",
			Person: &PersonInput{CPF: "736.892.900-74", Name: "Luke Skywalker", Email: "luke@unico.io", Phone: "5511900000000"}}
	}
	doc := func() CreateRequest {
		r := base("documents")
		r.Selfie, r.UseCase = "", ""
		r.Person = &PersonInput{CPF: "73689290074"}
		r.Document = &DocumentInput{Purpose: "onboarding", AuthProcessID: "80371b2a-3ac7-432e-866d-57fe37896ac6", Files: []DocumentFileInput{{Data: "aGVsbG8="}}}
		return r
	}
	const ref = "80371b2a-3ac7-432e-866d-57fe37896ac6"
	cases := []struct {
		name string
		req  func() CreateRequest
		code string
	}{
		{"identity ok", func() CreateRequest { return base("identity") }, ""},
		{"riskScore ok", func() CreateRequest { return base("riskScore") }, ""},
		{"liveness without person ok", func() CreateRequest { r := base("liveness"); r.Person = nil; return r }, ""},
		{"oneToOne references ok", func() CreateRequest {
			r := base("oneToOne")
			r.References = []ReferenceInput{{"REFERENCE_TYPE_PROCESS_ID", ref}, {"REFERENCE_TYPE_IMAGE_BASE64", "aGVsbG8="}}
			return r
		}, ""},
		{"oneToOne referenceProcessId ok", func() CreateRequest { r := base("oneToOne"); r.ReferenceProcessID = ref; return r }, ""},
		{"documents files ok", doc, ""},
		{"documents reuse ok", func() CreateRequest { r := doc(); r.Document.Files, r.Document.DocumentID = nil, ref; return r }, ""},

		{"no capability", func() CreateRequest { return base("") }, "capability_required"},
		{"unknown capability", func() CreateRequest { return base("face") }, "invalid_capability"},
		{"by-Unico field", func() CreateRequest { r := base("identity"); r.Flow = "idlive"; return r }, "field_not_allowed"},
		{"notifications", func() CreateRequest { r := base("identity"); r.Person.Notifications = []string{"sms"}; return r }, "field_not_allowed"},
		{"no selfie", func() CreateRequest { r := base("identity"); r.Selfie = "  "; return r }, "selfie_required"},
		{"no person", func() CreateRequest { r := base("identity"); r.Person = nil; return r }, "person_required"},
		{"no cpf", func() CreateRequest { r := base("identity"); r.Person.CPF = ""; return r }, "cpf_required"},
		{"bad cpf check digits", func() CreateRequest { r := base("identity"); r.Person.CPF = "73689290075"; return r }, "invalid_cpf"},
		{"no name", func() CreateRequest { r := base("riskScore"); r.Person.Name = " "; return r }, "name_required"},
		{"double space", func() CreateRequest { r := base("identity"); r.Person.Name = "Luke  Skywalker"; return r }, "invalid_name"},
		{"control char in name", func() CreateRequest { r := base("identity"); r.Person.Name = "Luke\nSkywalker"; return r }, "invalid_name"},
		{"bad email", func() CreateRequest { r := base("identity"); r.Person.Email = "luke"; return r }, "invalid_email"},
		{"bad phone", func() CreateRequest { r := base("identity"); r.Person.Phone = "1199"; return r }, "invalid_phone"},
		{"bad gender", func() CreateRequest { r := base("identity"); r.Person.Gender = "X"; return r }, "invalid_gender"},
		{"bad birth date", func() CreateRequest { r := base("identity"); r.Person.BirthDate = "1990-13-01"; return r }, "invalid_birth_date"},
		{"bad subsidiary", func() CreateRequest { r := base("identity"); r.SubsidiaryID = "branch-1"; return r }, "invalid_subsidiary_id"},
		{"bad client reference", func() CreateRequest { r := base("identity"); r.ClientReference = "a b"; return r }, "invalid_client_reference"},
		{"reference on identity", func() CreateRequest { r := base("identity"); r.ReferenceProcessID = ref; return r }, "field_not_allowed"},
		{"oneToOne without reference", func() CreateRequest { return base("oneToOne") }, "reference_required"},
		{"oneToOne both references", func() CreateRequest {
			r := base("oneToOne")
			r.ReferenceProcessID, r.References = ref, []ReferenceInput{{"REFERENCE_TYPE_PROCESS_ID", ref}}
			return r
		}, "invalid_reference"},
		{"oneToOne bad reference type", func() CreateRequest {
			r := base("oneToOne")
			r.References = []ReferenceInput{{"REFERENCE_TYPE_URL", ref}}
			return r
		}, "invalid_reference"},
		{"oneToOne bad image", func() CreateRequest {
			r := base("oneToOne")
			r.References = []ReferenceInput{{"REFERENCE_TYPE_IMAGE_BASE64", "not base64!"}}
			return r
		}, "invalid_reference"},
		{"document on identity", func() CreateRequest { r := base("identity"); r.Document = &DocumentInput{}; return r }, "field_not_allowed"},
		{"documents with selfie", func() CreateRequest { r := doc(); r.Selfie = selfie; return r }, "field_not_allowed"},
		{"documents without document", func() CreateRequest { r := doc(); r.Document = nil; return r }, "document_required"},
		{"documents bad purpose", func() CreateRequest { r := doc(); r.Document.Purpose = "biometryonboarding"; return r }, "invalid_document_purpose"},
		{"documents no auth process", func() CreateRequest { r := doc(); r.Document.AuthProcessID = ""; return r }, "auth_process_id_required"},
		{"documents bad auth process", func() CreateRequest { r := doc(); r.Document.AuthProcessID = "x"; return r }, "invalid_auth_process_id"},
		{"documents files and id", func() CreateRequest { r := doc(); r.Document.DocumentID = ref; return r }, "document_source_required"},
		{"documents neither", func() CreateRequest { r := doc(); r.Document.Files = nil; return r }, "document_source_required"},
		{"documents three files", func() CreateRequest {
			r := doc()
			r.Document.Files = []DocumentFileInput{{"a"}, {"b"}, {"c"}}
			return r
		}, "too_many_document_files"},
		{"documents empty file", func() CreateRequest { r := doc(); r.Document.Files = []DocumentFileInput{{""}}; return r }, "invalid_document_file"},
		{"documents useCase", func() CreateRequest { r := doc(); r.UseCase = "x"; return r }, "field_not_allowed"},
	}
	for _, c := range cases {
		r := c.req()
		capability, out, cpf, err := clientRequest(r)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", c.name, err)
				continue
			}
			if capability != r.Capability || out.ImageBase64 != r.Selfie {
				t.Errorf("%s: capability %q, selfie passed through: %t", c.name, capability, out.ImageBase64 == r.Selfie)
			}
			if r.Person != nil && (cpf != "73689290074" || out.Subject.Code != cpf) {
				t.Errorf("%s: cpf not normalised: %q", c.name, cpf)
			}
			if capability == "documents" && out.Subject.DUIType != unico.DUITypeBRCPF {
				t.Errorf("%s: duiType %q", c.name, out.Subject.DUIType)
			}
			continue
		}
		e := AsError(err)
		if err == nil || e.Code != c.code || e.Kind != KindInvalid {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		} else if strings.Contains(e.Message, "73689290074") || strings.Contains(e.Message, "Luke") || strings.Contains(e.Message, selfie) {
			t.Errorf("%s: message echoes input: %s", c.name, e.Message)
		}
	}
	// A by-Unico create refuses the by-Client fields.
	if err := rejectClientFields(CreateRequest{Selfie: selfie}); AsError(err).Code != "field_not_allowed" {
		t.Errorf("by-Unico with a selfie: %v", err)
	}
	// The request prints no selfie and no person.
	r := base("identity")
	for _, s := range []string{r.String(), fmt.Sprintf("%v", r), fmt.Sprintf("%#v", r), fmt.Sprintf("%+v", r)} {
		if strings.Contains(s, selfie) || strings.Contains(s, "Luke") || strings.Contains(s, "736.892") {
			t.Errorf("CreateRequest prints personal data: %s", s)
		}
	}
}

func TestClientUnicoErrorMapping(t *testing.T) {
	cases := []struct {
		status int
		code   string
		kind   Kind
		want   string
	}{
		{400, "10507", KindUnprocessable, "selfie_expired"},
		{400, "10508", KindUnprocessable, "selfie_already_used"},
		{400, "10506", KindInvalid, "selfie_not_from_sdk"},
		{400, "20900", KindInvalid, "invalid_selfie"},
		{400, "20505", KindInvalid, "unsupported_image_format"},
		{400, "20506", KindInvalid, "image_too_large"},
		{400, "20807", KindInvalid, "image_resolution_too_low"},
		{400, "20003", KindInvalid, "unico_invalid_request"},
		{400, "20507", KindInvalid, "invalid_cpf"},
		{400, "20999", KindInvalid, CodeUnicoRejected},
		{400, "20031", KindUnprocessable, "auth_process_not_qualified"},
		{400, "20002", KindBadGateway, "unico_request_incomplete"},
		{403, "10201", KindUnavailable, "unico_api_key_rejected"},
		{403, "10501", KindUnavailable, CodeUnicoAuth},
		{401, "10502", KindUnavailable, CodeUnicoAuth},
		{403, "30017", KindUnavailable, "unico_capability_not_enabled"},
		{503, "", KindUnavailable, CodeUnicoUnavailable},
		{429, "", KindTooManyRequests, CodeUnicoRateLimited},
	}
	for _, c := range cases {
		e := clientUnicoError(fmt.Errorf("wrapped: %w", &unico.APIError{HTTPStatus: c.status, Code: c.code, Message: "CPF 73689290074 Luke"}))
		if e.Kind != c.kind || e.Code != c.want {
			t.Errorf("%d %s: got %d %s, want %d %s", c.status, c.code, e.Kind, e.Code, c.kind, c.want)
		}
		if strings.Contains(e.Message, "73689290074") || strings.Contains(e.Message, "Luke") {
			t.Errorf("%s: Unico's message leaked: %s", c.code, e.Message)
		}
		if c.kind == KindUnavailable && c.status != 503 && e.RetryAfter == 0 {
			t.Errorf("%s: a configuration error should say when to retry", c.code)
		}
	}
}
