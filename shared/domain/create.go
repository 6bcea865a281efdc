package domain

import (
	"strings"
	"unicode/utf8"

	"github.com/unicogw/gateway/shared/unico"
)

// CreateRequest is the body of POST /v1/processes. Field names are the public API's (see
// openapi.yaml); Unico's names are used where they exist.
type CreateRequest struct {
	Integration        Integration    `json:"integration"`
	Flow               string         `json:"flow,omitempty"`
	Purpose            string         `json:"purpose,omitempty"`
	CallbackURI        string         `json:"callbackUri,omitempty"`
	Person             *PersonInput   `json:"person,omitempty"`
	ExpiresInSeconds   int64          `json:"expiresInSeconds,omitempty"`
	ClientReference    string         `json:"clientReference,omitempty"`
	CompanyBranchID    string         `json:"companyBranchId,omitempty"`
	BioTokenID         string         `json:"bioTokenId,omitempty"`
	UseCase            string         `json:"useCase,omitempty"`
	BackCamera         *bool          `json:"backCamera,omitempty"`
	SignatureDocuments []SignDocument `json:"signatureDocuments,omitempty"`

	// By Client (integration "by_client"); see byclient.go.
	Capability         string           `json:"capability,omitempty"`
	Selfie             string           `json:"selfie,omitempty"` // the SDK's encrypted JWT: opaque, never stored or logged
	SubsidiaryID       string           `json:"subsidiaryId,omitempty"`
	ReferenceProcessID string           `json:"referenceProcessId,omitempty"`
	References         []ReferenceInput `json:"references,omitempty"`
	Document           *DocumentInput   `json:"document,omitempty"`
}

// PersonInput is the person a process verifies.
type PersonInput struct {
	CPF           string   `json:"cpf"`
	Name          string   `json:"name,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	Email         string   `json:"email,omitempty"`
	Notifications []string `json:"notifications,omitempty"` // whatsapp, sms, email (or Unico's NOTIFICATION_CHANNEL_*)
	Gender        string   `json:"gender,omitempty"`        // by Client: M or F
	BirthDate     string   `json:"birthDate,omitempty"`     // by Client: YYYY-MM-DD
	// PhoneCountryCodeAlpha3 is Unico's person.phoneCountryCodeAlpha3 ("BRA"), seen only in
	// Unico's Postman collection; passed on when given.
	PhoneCountryCodeAlpha3 string `json:"phoneCountryCodeAlpha3,omitempty"`
}

// SignDocument is one PDF to be signed in a *sign flow.
type SignDocument struct {
	Name          string `json:"name"`
	ContentBase64 string `json:"contentBase64"`
}

var channels = map[string]string{
	"whatsapp": "NOTIFICATION_CHANNEL_WHATSAPP", "sms": "NOTIFICATION_CHANNEL_SMS", "email": "NOTIFICATION_CHANNEL_EMAIL",
	"notification_channel_whatsapp": "NOTIFICATION_CHANNEL_WHATSAPP", "notification_channel_sms": "NOTIFICATION_CHANNEL_SMS",
	"notification_channel_email": "NOTIFICATION_CHANNEL_EMAIL",
}

var purposes = map[string]bool{"creditprocess": true, "biometryonboarding": true, "carpurchase": true, "ageverification": true}

func invalid(code, format string, args ...any) *Error {
	return Errorf(KindInvalid, code, format, args...)
}

// hostedRequest validates a by-Unico create and builds Unico's request. Every check Unico would
// make is made here first, so a bad body never costs a (billed) Unico call.
func hostedRequest(in CreateRequest) (unico.CreateProcessRequest, string, error) {
	var out unico.CreateProcessRequest
	flow := strings.TrimSpace(in.Flow)
	if flow == "" {
		return out, "", invalid("flow_required", "flow is required.")
	}
	if !knownFlow(flow) && !customFlow(flow) {
		return out, "", invalid("invalid_flow", "flow is not a Unico flow.")
	}
	purpose := strings.ToLower(strings.TrimSpace(in.Purpose))
	if purpose == "" {
		return out, "", invalid("purpose_required", "purpose is required: one of creditprocess, biometryonboarding, carpurchase, ageverification.")
	}
	if !purposes[purpose] {
		return out, "", invalid("invalid_purpose", "purpose must be one of creditprocess, biometryonboarding, carpurchase, ageverification.")
	}
	callback := in.CallbackURI
	if callback == "" {
		callback = "/"
	}
	if len(callback) > 2048 || strings.ContainsAny(callback, " \t\r\n") || scriptScheme(callback) {
		return out, "", invalid("invalid_callback_uri", "callbackUri must be a URL, an app scheme URL or \"/\".")
	}
	if in.ExpiresInSeconds < 0 || in.ExpiresInSeconds > 90*24*3600 {
		return out, "", invalid("invalid_expires_in", "expiresInSeconds must be between 1 and 7776000.")
	}
	if len(in.ClientReference) > 256 || strings.ContainsAny(in.ClientReference, " \t\r\n") {
		return out, "", invalid("invalid_client_reference", "clientReference must be at most 256 characters with no spaces.")
	}
	if err := familyFields(flow, in); err != nil {
		return out, "", err
	}
	out = unico.CreateProcessRequest{
		CallbackURI: callback, Flow: unico.Flow(flow), Purpose: unico.Purpose(purpose), ClientReference: in.ClientReference,
		CompanyBranchID: in.CompanyBranchID, BioTokenID: in.BioTokenID, UseCase: unico.UseCase(in.UseCase),
	}
	if in.ExpiresInSeconds > 0 {
		out.ExpiresIn = itoa(in.ExpiresInSeconds) + "s"
	}
	if in.BackCamera != nil {
		out.FlowConfig = &unico.FlowConfig{BiometryCapture: unico.BiometryCapture{EnabledBackCamera: *in.BackCamera}}
	}
	var cpf string
	if in.Person == nil {
		if !customFlow(flow) {
			return out, "", invalid("person_required", "person with cpf is required for this flow.")
		}
	} else {
		person, digits, err := hostedPerson(*in.Person)
		if err != nil {
			return out, "", err
		}
		out.Person = &person
		cpf = digits
	}
	base := unico.Flow(baseFlow(flow))
	if unico.FlowNeedsBioToken(base) && in.BioTokenID == "" {
		return out, "", invalid("bio_token_id_required", "bioTokenId (the id of a finished identity process) is required for %s.", flow)
	}
	if unico.FlowNeedsUseCase(base) && in.UseCase == "" {
		return out, "", invalid("use_case_required", "useCase is required for %s.", flow)
	}
	if unico.FlowNeedsPayload(base) {
		if len(in.SignatureDocuments) == 0 {
			return out, "", invalid("signature_documents_required", "signatureDocuments (PDFs to sign) are required for %s.", flow)
		}
		if out.Person != nil && out.Person.Email == "" {
			return out, "", invalid("email_required", "person.email is required for flows with electronic signature.")
		}
	} else if len(in.SignatureDocuments) > 0 {
		return out, "", invalid("signature_documents_not_allowed", "signatureDocuments are only accepted by signature flows.")
	}
	if len(in.SignatureDocuments) > 0 {
		docs, err := signPayload(in.SignatureDocuments)
		if err != nil {
			return out, "", err
		}
		out.Payload = docs
	}
	return out, cpf, nil
}

func hostedPerson(in PersonInput) (unico.Person, string, error) {
	digits := NormalizeCPF(in.CPF)
	if digits == "" || !ValidCPF(digits) {
		return unico.Person{}, "", invalid("invalid_cpf", "person.cpf is not a valid CPF.")
	}
	name := strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(name) > 50 {
		return unico.Person{}, "", invalid("name_too_long", "person.name must be at most 50 characters.")
	}
	phone := digitsOnly(in.Phone)
	p := unico.Person{DUIType: unico.DUITypeBRCPF, DUIValue: unico.FlexString(digits), FriendlyName: name, Phone: unico.FlexString(phone), Email: strings.TrimSpace(in.Email)}
	if cc := strings.TrimSpace(in.PhoneCountryCodeAlpha3); cc != "" {
		if len(cc) != 3 || strings.Trim(strings.ToUpper(cc), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return unico.Person{}, "", invalid("invalid_phone_country_code", "person.phoneCountryCodeAlpha3 must be an ISO 3166 alpha-3 code such as BRA.")
		}
		p.PhoneCountryCodeAlpha3 = strings.ToUpper(cc)
	}
	if in.Phone != "" && (len(phone) < 12 || len(phone) > 13) {
		return unico.Person{}, "", invalid("invalid_phone", "person.phone must be country code, area code and number: 13 digits such as 5511974749090.")
	}
	if p.Email != "" && !plausibleEmail(p.Email) {
		return unico.Person{}, "", invalid("invalid_email", "person.email is not an e-mail address.")
	}
	seen := map[string]bool{}
	for _, c := range in.Notifications {
		ch, ok := channels[strings.ToLower(strings.TrimSpace(c))]
		if !ok {
			return unico.Person{}, "", invalid("invalid_notification_channel", "person.notifications accepts whatsapp, sms and email.")
		}
		switch ch {
		case "NOTIFICATION_CHANNEL_WHATSAPP", "NOTIFICATION_CHANNEL_SMS":
			if len(phone) != 13 {
				return unico.Person{}, "", invalid("phone_required", "person.phone with 13 digits is required for WhatsApp and SMS notifications.")
			}
		case "NOTIFICATION_CHANNEL_EMAIL":
			if p.Email == "" {
				return unico.Person{}, "", invalid("email_required", "person.email is required for e-mail notifications.")
			}
		}
		if !seen[ch] {
			seen[ch] = true
			p.Notifications = append(p.Notifications, unico.Notification{NotificationChannel: unico.NotificationChannel(ch)})
		}
	}
	return p, digits, nil
}

func signPayload(docs []SignDocument) ([]unico.PayloadEntry, error) {
	if len(docs) > 10 {
		return nil, invalid("too_many_signature_documents", "At most 10 signatureDocuments are accepted.")
	}
	var list []unico.EnvelopeDocument
	for i, d := range docs {
		if strings.TrimSpace(d.Name) == "" || len(d.Name) > 200 {
			return nil, invalid("invalid_signature_document", "signatureDocuments[%d].name is required (at most 200 characters).", i)
		}
		if !isPDFBase64(d.ContentBase64) {
			return nil, invalid("signature_document_not_pdf", "signatureDocuments[%d].contentBase64 must be a base64-encoded PDF.", i)
		}
		list = append(list, unico.EnvelopeDocument{DocumentName: d.Name, FileContents: d.ContentBase64})
	}
	return []unico.PayloadEntry{{EnvelopePayload: unico.EnvelopePayload{Documents: list}}}, nil
}

func knownFlow(f string) bool {
	for _, k := range unico.Flows {
		if string(k) == f {
			return true
		}
	}
	return false
}

// customFlow accepts tenant-specific custom flows (Unico's Postman collection uses
// "idunicodocs_r2"): a known flow with a suffix.
func customFlow(f string) bool {
	i := strings.LastIndexByte(f, '_')
	if i <= 0 || i == len(f)-1 {
		return false
	}
	for _, c := range f[i+1:] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return knownFlow(f[:i])
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else if c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' {
			return "x" // any other character makes the phone invalid
		}
	}
	return b.String()
}

func plausibleEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-3 && strings.IndexByte(s[at:], '.') > 0 && !strings.ContainsAny(s, " \t\r\n<>") && len(s) <= 254
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// scriptScheme refuses callback URIs that a browser would run rather than open: the person is
// redirected there at the end of Unico's journey.
func scriptScheme(u string) bool {
	scheme, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(u)), ":")
	if !ok {
		return false
	}
	scheme = strings.Map(func(r rune) rune {
		if r < 0x21 || r == 0x7f {
			return -1 // browsers ignore control characters and spaces inside a scheme
		}
		return r
	}, scheme)
	return scheme == "javascript" || scheme == "data" || scheme == "vbscript" || scheme == "file"
}
