package unico

import (
	"bytes"
	"encoding/json"
)

// ProcessEnvelope is the body of by-Unico CreateProcess, GetProcess and SetProcessDocument:
// {"process": {...}}.
type ProcessEnvelope struct {
	Process Process `json:"process"`
}

// UnmarshalJSON decodes tolerantly.
func (e *ProcessEnvelope) UnmarshalJSON(b []byte) error { return decodeLoose(b, e) }

// Process is a by-Unico process (reference §3.2, seeds 001 and 003). Decoding is tolerant:
// snake_case and camelCase keys, numbers where strings are documented, invalid dates kept as
// text, unknown enum values kept verbatim (see UnknownEnums).
type Process struct {
	ID                   string             `json:"id"`
	Flow                 Flow               `json:"flow,omitempty"`
	CallbackURI          string             `json:"callbackUri,omitempty"`
	UserRedirectURL      string             `json:"userRedirectUrl,omitempty"`
	State                ProcessState       `json:"state,omitempty"`
	Result               ProcessResult      `json:"result,omitempty"`
	CreatedAt            Timestamp          `json:"createdAt,omitzero"`
	FinishedAt           Timestamp          `json:"finishedAt,omitzero"`
	ExpiresAt            Timestamp          `json:"expiresAt,omitzero"`
	Token                string             `json:"token,omitempty"` // initialises the Web/iFrame SDK; a credential, never log it
	Person               Person             `json:"person,omitzero"`
	Purpose              Purpose            `json:"purpose,omitempty"`
	AuthenticationInfo   AuthenticationInfo `json:"authenticationInfo,omitzero"`
	Capacities           []ProcessCapacity  `json:"capacities,omitempty"`
	Services             []Service          `json:"services,omitempty"`
	CompanyData          *CompanyData       `json:"companyData,omitempty"`
	BioTokenData         *BioTokenData      `json:"bioTokenData,omitempty"`
	ClientReference      string             `json:"clientReference,omitempty"`
	UseCase              UseCase            `json:"useCase,omitempty"`
	LastEvent            EventType          `json:"lastEvent,omitempty"`
	LastEventDescription string             `json:"lastEventDescription,omitempty"`
}

// UnmarshalJSON decodes tolerantly.
func (p *Process) UnmarshalJSON(b []byte) error { return decodeLoose(b, p) }

// Finished reports state PROCESS_STATE_FINISHED.
func (p Process) Finished() bool { return p.State == ProcessStateFinished }

// HasCapacity reports whether c is in capacities.
func (p Process) HasCapacity(c ProcessCapacity) bool {
	for _, x := range p.Capacities {
		if x == c {
			return true
		}
	}
	return false
}

// Documents returns every captured/reused document of every service.
func (p Process) Documents() []Document {
	var out []Document
	for _, s := range p.Services {
		out = append(out, s.Documents...)
	}
	return out
}

// SignedDocumentIDs returns the electronic-signature document ids (for GetDocumentSigned).
func (p Process) SignedDocumentIDs() []string {
	var out []string
	for _, s := range p.Services {
		out = append(out, s.DocumentIDs...)
	}
	return out
}

// Person is process.person, and the person of a CreateProcess request. It is personal data.
type Person struct {
	DUIType                DUIType        `json:"duiType,omitempty"`
	DUIValue               FlexString     `json:"duiValue,omitempty"` // CPF digits for DUI_TYPE_BR_CPF
	FriendlyName           string         `json:"friendlyName,omitempty"`
	Phone                  FlexString     `json:"phone,omitempty"`
	Email                  string         `json:"email,omitempty"`
	PhoneCountryCodeAlpha3 string         `json:"phoneCountryCodeAlpha3,omitempty"` // seen only in Unico's Postman collection
	Notifications          []Notification `json:"notifications,omitempty"`
}

// UnmarshalJSON decodes tolerantly.
func (p *Person) UnmarshalJSON(b []byte) error { return decodeLoose(b, p) }

// Notification is one entry of person.notifications.
type Notification struct {
	NotificationChannel NotificationChannel `json:"notificationChannel"`
}

// UnmarshalJSON decodes tolerantly.
func (n *Notification) UnmarshalJSON(b []byte) error { return decodeLoose(b, n) }

// AuthenticationInfo is process.authenticationInfo. "All authenticationInfo response parameters
// will be returned regardless of the flow used … If you do not use a specific capability … the
// response will always be UNSPECIFIED" — yet Unico's per-flow examples omit most of them, so an
// absent field decodes as "".
type AuthenticationInfo struct {
	AuthenticationResult     AuthenticationResult    `json:"authenticationResult,omitempty"`
	AuthenticationID         string                  `json:"authenticationId,omitempty"`
	LivenessResult           LivenessResult          `json:"livenessResult,omitempty"`
	BioTokenEngineResult     BioTokenEngineResult    `json:"bioTokenEngineResult,omitempty"`
	TrustResult              TrustResult             `json:"trustResult,omitempty"`
	IdentityFraudstersResult TrustResult             `json:"identityFraudstersResult,omitempty"`
	FaceWithOtherIDResult    TrustResult             `json:"faceWithOtherIdResult,omitempty"`
	FrictionlessResult       FrictionlessResult      `json:"frictionlessResult,omitempty"`
	RiskLevelResult          TrustResult             `json:"riskLevelResult,omitempty"`
	SmartRevalidationResult  SmartRevalidationResult `json:"smartRevalidationResult,omitempty"`
	IDAgeResult              IDAgeResult             `json:"idAgeResult,omitempty"`
	ScoreEngineResult        ScoreEngineResult       `json:"scoreEngineResult,omitzero"`
	SerproResult             *SerproResult           `json:"serproResult,omitempty"`
}

// UnmarshalJSON decodes tolerantly.
func (a *AuthenticationInfo) UnmarshalJSON(b []byte) error { return decodeLoose(b, a) }

// ScoreEngineResult is the Risk Score. Score accepts a number (85.5 included) or a numeric string.
type ScoreEngineResult struct {
	ScoreEnabled ScoreEnabled `json:"scoreEnabled,omitempty"`
	Score        float64      `json:"score"`
}

// UnmarshalJSON decodes tolerantly.
func (s *ScoreEngineResult) UnmarshalJSON(b []byte) error { return decodeLoose(b, s) }

// SerproResult is the Serpro (government base) similarity score.
type SerproResult struct {
	Score float64 `json:"score"`
}

// UnmarshalJSON decodes tolerantly.
func (s *SerproResult) UnmarshalJSON(b []byte) error { return decodeLoose(b, s) }

// Service is one entry of process.services: documents (docs flows) and/or a signature envelope
// (sign flows). Unico mixes snake_case (consent_granted) and camelCase (envelopeId): both are
// accepted for every key.
type Service struct {
	Documents      []Document `json:"documents,omitempty"`
	ConsentGranted bool       `json:"consent_granted,omitempty"`
	EnvelopeID     string     `json:"envelopeId,omitempty"`
	DocumentIDs    []string   `json:"documentIds,omitempty"`
}

// UnmarshalJSON decodes tolerantly.
func (s *Service) UnmarshalJSON(b []byte) error { return decodeLoose(b, s) }

// Document is one captured or reused document. Tags follow Unico's snake_case; camelCase
// (docId, cpfMatch, signedUrl, …) is accepted as well.
type Document struct {
	Doc         DocumentDoc `json:"doc"`
	Typified    bool        `json:"typified"`
	CPFMatch    bool        `json:"cpf_match"`
	FaceMatch   bool        `json:"face_match"`
	DocID       string      `json:"doc_id,omitempty"`
	ValidateDoc bool        `json:"validate_doc"`
	ReusedDoc   bool        `json:"reused_doc"`
	SignedURL   string      `json:"signed_url,omitempty"` // single PDF, front and back; valid 5 minutes
}

// UnmarshalJSON decodes tolerantly.
func (d *Document) UnmarshalJSON(b []byte) error { return decodeLoose(b, d) }

// DocumentDoc is documents[].doc: {version, code, data}. Data is decoded by code.
type DocumentDoc struct {
	Version int          `json:"version,omitempty"`
	Code    DocumentCode `json:"code,omitempty"`
	Data    OCRData      `json:"data,omitzero"`
}

// UnmarshalJSON decodes version and code tolerantly, then data as OCR of that code.
func (d *DocumentDoc) UnmarshalJSON(b []byte) error {
	var w struct {
		Version int             `json:"version"`
		Code    DocumentCode    `json:"code"`
		Data    json.RawMessage `json:"data"`
	}
	if err := decodeLoose(b, &w); err != nil {
		return err
	}
	ocr, err := DecodeOCR(string(w.Code), w.Data)
	if err != nil {
		return withPath(err, "data")
	}
	*d = DocumentDoc{Version: w.Version, Code: w.Code, Data: ocr}
	return nil
}

// CompanyData is process.companyData (Unico's idtoken example sends it empty: {}).
type CompanyData struct {
	BranchID    string `json:"branchId,omitempty"`
	CountryCode string `json:"countryCode,omitempty"`
}

// UnmarshalJSON decodes tolerantly.
func (c *CompanyData) UnmarshalJSON(b []byte) error { return decodeLoose(b, c) }

// BioTokenData is process.bioTokenData (idtoken flows).
type BioTokenData struct {
	ReferenceProcessID string `json:"referenceProcessId,omitempty"`
	AuthenticationID   string `json:"authenticationId,omitempty"`
}

// UnmarshalJSON decodes tolerantly.
func (t *BioTokenData) UnmarshalJSON(b []byte) error { return decodeLoose(b, t) }

// WebhookEvent is the by-Unico webhook body: it only signals that a process finished; fetch the
// result with GetProcess. Field names are secondary-sourced (reference §5.2).
type WebhookEvent struct {
	ProcessID            string       `json:"processId"`
	State                ProcessState `json:"state,omitempty"`
	Flow                 Flow         `json:"flow,omitempty"`
	LastEvent            EventType    `json:"lastEvent,omitempty"`
	LastEventDescription string       `json:"lastEventDescription,omitempty"`
}

// UnmarshalJSON decodes tolerantly (processId and process_id both accepted).
func (w *WebhookEvent) UnmarshalJSON(b []byte) error { return decodeLoose(b, w) }

// UnknownEnums lists the enum fields of p whose value is not documented, as "field=value"
// (field is the JSON path, e.g. "authenticationInfo.livenessResult"). Empty values (absent
// fields) are not listed. Values are sanitised to enum-like characters and truncated, so the
// list is safe to log; it never contains personal data fields.
func UnknownEnums(p Process) []string {
	var out []string
	seen := map[string]bool{}
	add := func(field, value string, known bool) {
		if value == "" || known {
			return
		}
		e := field + "=" + sanitizeEnum(value)
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	add("flow", string(p.Flow), p.Flow.Known())
	add("state", string(p.State), p.State.Known())
	add("result", string(p.Result), p.Result.Known())
	add("purpose", string(p.Purpose), p.Purpose.Known())
	add("useCase", string(p.UseCase), p.UseCase.Known())
	add("lastEvent", string(p.LastEvent), p.LastEvent.Known())
	add("person.duiType", string(p.Person.DUIType), p.Person.DUIType.Known())
	for _, n := range p.Person.Notifications {
		add("person.notifications.notificationChannel", string(n.NotificationChannel), n.NotificationChannel.Known())
	}
	a := p.AuthenticationInfo
	add("authenticationInfo.authenticationResult", string(a.AuthenticationResult), a.AuthenticationResult.Known())
	add("authenticationInfo.livenessResult", string(a.LivenessResult), a.LivenessResult.Known())
	add("authenticationInfo.bioTokenEngineResult", string(a.BioTokenEngineResult), a.BioTokenEngineResult.Known())
	add("authenticationInfo.trustResult", string(a.TrustResult), a.TrustResult.Known())
	add("authenticationInfo.identityFraudstersResult", string(a.IdentityFraudstersResult), a.IdentityFraudstersResult.Known())
	add("authenticationInfo.faceWithOtherIdResult", string(a.FaceWithOtherIDResult), a.FaceWithOtherIDResult.Known())
	add("authenticationInfo.frictionlessResult", string(a.FrictionlessResult), a.FrictionlessResult.Known())
	add("authenticationInfo.riskLevelResult", string(a.RiskLevelResult), a.RiskLevelResult.Known())
	add("authenticationInfo.smartRevalidationResult", string(a.SmartRevalidationResult), a.SmartRevalidationResult.Known())
	add("authenticationInfo.idAgeResult", string(a.IDAgeResult), a.IDAgeResult.Known())
	add("authenticationInfo.scoreEngineResult.scoreEnabled", string(a.ScoreEngineResult.ScoreEnabled), a.ScoreEngineResult.ScoreEnabled.Known())
	for _, c := range p.Capacities {
		add("capacities", string(c), c.Known())
	}
	for _, s := range p.Services {
		for _, d := range s.Documents {
			add("services.documents.doc.code", string(d.Doc.Code), d.Doc.Code.Known())
		}
	}
	return out
}

// sanitizeEnum keeps [A-Za-z0-9_.:-], replaces anything else with '?', and truncates to 64
// bytes, so that a malformed enum value cannot smuggle free text into a log line.
func sanitizeEnum(s string) string {
	const max = 64
	var b bytes.Buffer
	for i := 0; i < len(s) && b.Len() < max; i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == ':', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
	}
	if len(s) > max {
		b.WriteString("...")
	}
	return b.String()
}
