package domain

import (
	"encoding/base64"
	"strings"
	"testing"
)

var pdf = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"))

func TestHostedRequestValidation(t *testing.T) {
	base := func() CreateRequest {
		return CreateRequest{Integration: ByUnico, Flow: "idlive", Purpose: "biometryonboarding", CallbackURI: "/",
			Person: &PersonInput{CPF: "736.892.900-74", Name: "Luke Skywalker"}}
	}
	cases := []struct {
		name string
		mut  func(*CreateRequest)
		code string
	}{
		{"ok", func(*CreateRequest) {}, ""},
		{"no flow", func(r *CreateRequest) { r.Flow = "" }, "flow_required"},
		{"bad flow", func(r *CreateRequest) { r.Flow = "idfoo" }, "invalid_flow"},
		{"custom flow", func(r *CreateRequest) { r.Flow = "idunicodocs_r2"; r.Person = nil }, ""},
		{"bad purpose", func(r *CreateRequest) { r.Purpose = "onboarding" }, "invalid_purpose"},
		{"no purpose", func(r *CreateRequest) { r.Purpose = "" }, "purpose_required"},
		{"blank purpose", func(r *CreateRequest) { r.Purpose = "  " }, "purpose_required"},
		{"bad cpf", func(r *CreateRequest) { r.Person.CPF = "73689290075" }, "invalid_cpf"},
		{"no person", func(r *CreateRequest) { r.Person = nil }, "person_required"},
		{"long name", func(r *CreateRequest) { r.Person.Name = strings.Repeat("a", 51) }, "name_too_long"},
		{"whatsapp without phone", func(r *CreateRequest) { r.Person.Notifications = []string{"whatsapp"} }, "phone_required"},
		{"whatsapp 12-digit phone", func(r *CreateRequest) {
			r.Person.Notifications, r.Person.Phone = []string{"whatsapp"}, "551197474909"
		}, "phone_required"},
		{"whatsapp ok", func(r *CreateRequest) {
			r.Person.Notifications, r.Person.Phone = []string{"NOTIFICATION_CHANNEL_WHATSAPP", "sms"}, "+55 11 97474-9090"
		}, ""},
		{"email channel without email", func(r *CreateRequest) { r.Person.Notifications = []string{"email"} }, "email_required"},
		{"bad email", func(r *CreateRequest) { r.Person.Email = "not-an-email" }, "invalid_email"},
		{"unknown channel", func(r *CreateRequest) { r.Person.Notifications = []string{"pigeon"} }, "invalid_notification_channel"},
		{"sign without payload", func(r *CreateRequest) { r.Flow = "idsign"; r.Person.Email = "l@unico.io" }, "signature_documents_required"},
		{"sign with non-pdf", func(r *CreateRequest) {
			r.Flow, r.Person.Email = "idsign", "l@unico.io"
			r.SignatureDocuments = []SignDocument{{Name: "c", ContentBase64: base64.StdEncoding.EncodeToString([]byte("hello world"))}}
		}, "signature_document_not_pdf"},
		{"sign ok", func(r *CreateRequest) {
			r.Flow, r.Person.Email = "idunicosign", "l@unico.io"
			r.SignatureDocuments = []SignDocument{{Name: "c", ContentBase64: pdf}}
		}, ""},
		{"payload on a non-sign flow", func(r *CreateRequest) { r.SignatureDocuments = []SignDocument{{Name: "c", ContentBase64: pdf}} }, "signature_documents_not_allowed"},
		{"idtoken without bioTokenId", func(r *CreateRequest) { r.Flow = "idtoken" }, "bio_token_id_required"},
		{"idsmart without useCase", func(r *CreateRequest) { r.Flow = "idsmart" }, "use_case_required"},
		{"bad expiry", func(r *CreateRequest) { r.ExpiresInSeconds = -1 }, "invalid_expires_in"},
		{"javascript callback", func(r *CreateRequest) { r.CallbackURI = "JaVaScRiPt:alert(1)" }, "invalid_callback_uri"},
		{"data callback", func(r *CreateRequest) { r.CallbackURI = "data:text/html,<script>1</script>" }, "invalid_callback_uri"},
		{"app scheme callback", func(r *CreateRequest) { r.CallbackURI = "br.com.meupacote.app://callback" }, ""},
		{"https callback", func(r *CreateRequest) { r.CallbackURI = "https://app.example.com/done?x=1" }, ""},
	}
	for _, c := range cases {
		r := base()
		c.mut(&r)
		out, cpf, err := hostedRequest(r)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", c.name, err)
			}
			if r.Person != nil && (cpf != "73689290074" || out.Person.DUIValue != "73689290074") {
				t.Errorf("%s: cpf not normalised: %q", c.name, cpf)
			}
			continue
		}
		if e := AsError(err); err == nil || e.Code != c.code || e.Kind != KindInvalid {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		} else if strings.Contains(e.Message, "73689290074") || strings.Contains(e.Message, "Luke") {
			t.Errorf("%s: message echoes personal data: %s", c.name, e.Message)
		}
	}
}
