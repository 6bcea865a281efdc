package domain

import (
	"strings"
	"testing"

	"github.com/unicogw/gateway/shared/unico"
)

// TestHostedRequestFamilies: each family's fields are required where Unico requires them,
// well-formed, refused where the flow takes none, and mapped onto Unico's body.
func TestHostedRequestFamilies(t *testing.T) {
	const uuid = "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	base := func(flow string) CreateRequest {
		return CreateRequest{Flow: flow, Purpose: "creditprocess", Person: &PersonInput{CPF: "73689290074", Email: "l@unico.io"}}
	}
	cases := []struct {
		name string
		req  func() CreateRequest
		code string
	}{
		{"idtoken ok", func() CreateRequest { r := base("idtoken"); r.BioTokenID = uuid; return r }, ""},
		{"bioTokenId not a uuid", func() CreateRequest { r := base("idtokentrust"); r.BioTokenID = "x"; return r }, "invalid_bio_token_id"},
		{"bioTokenId on idlive", func() CreateRequest { r := base("idlive"); r.BioTokenID = uuid; return r }, "bio_token_id_not_allowed"},
		{"custom idtoken flow without bioTokenId", func() CreateRequest { r := base("idtoken_r2"); return r }, "bio_token_id_required"},
		{"idsmart ok", func() CreateRequest {
			r := base("idsmart")
			r.UseCase = "USE_CASE_IDENTITY_REVALIDATION_7_DAYS"
			return r
		}, ""},
		{"useCase lower case", func() CreateRequest { r := base("idsmart"); r.UseCase = "use_case_x"; return r }, "invalid_use_case"},
		{"useCase on id", func() CreateRequest { r := base("id"); r.UseCase = "USE_CASE_X"; return r }, "use_case_not_allowed"},
		{"branch not a uuid", func() CreateRequest { r := base("id"); r.CompanyBranchID = "branch-1"; return r }, "invalid_company_branch_id"},
		{"custom sign flow needs documents", func() CreateRequest { r := base("idunicosign_r2"); return r }, "signature_documents_required"},
		{"custom docs flow refuses documents", func() CreateRequest {
			r := base("idunicodocs_r2")
			r.SignatureDocuments = []SignDocument{{Name: "a", ContentBase64: pdf}}
			return r
		}, "signature_documents_not_allowed"},
		{"creditoconsignado needs documents", func() CreateRequest { return base("creditoconsignado") }, "signature_documents_required"},
		{"phone country code", func() CreateRequest { r := base("id"); r.Person.PhoneCountryCodeAlpha3 = "B1A"; return r }, "invalid_phone_country_code"},
	}
	for _, c := range cases {
		_, _, err := hostedRequest(c.req())
		if c.code == "" && err != nil || c.code != "" && (err == nil || AsError(err).Code != c.code) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.code)
		}
	}

	// Everything mapped onto Unico's body.
	r := base("idtokensign")
	r.BioTokenID, r.CompanyBranchID, r.ClientReference, r.ExpiresInSeconds = uuid, uuid, "ref-1", 3600
	r.SignatureDocuments = []SignDocument{{Name: "contract.pdf", ContentBase64: pdf}}
	back := true
	r.BackCamera = &back
	r.Person.Phone, r.Person.Notifications, r.Person.PhoneCountryCodeAlpha3 = "+55 (11) 97474-9090", []string{"whatsapp", "EMAIL", "whatsapp"}, "bra"
	out, cpf, err := hostedRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if cpf != "73689290074" || out.Flow != unico.FlowIDTokenSign || out.BioTokenID != uuid || out.CompanyBranchID != uuid ||
		out.ClientReference != "ref-1" || out.ExpiresIn != "3600s" || out.FlowConfig == nil || !out.FlowConfig.BiometryCapture.EnabledBackCamera ||
		len(out.Payload) != 1 || out.Payload[0].EnvelopePayload.Documents[0].DocumentName != "contract.pdf" ||
		out.Person.Phone != "5511974749090" || out.Person.PhoneCountryCodeAlpha3 != "BRA" || len(out.Person.Notifications) != 2 {
		t.Fatalf("mapped body: %+v %+v", out, out.Person)
	}
	if err := out.Validate(); err != nil {
		t.Fatalf("the body the gateway sends fails Unico's own rules: %v", err)
	}
	if strings.Contains(out.Person.Email, " ") {
		t.Fatal("e-mail not trimmed")
	}
}
