package unico

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// CreateProcessRequest is the by-Unico CreateProcess body (POST /client/v1/process).
type CreateProcessRequest struct {
	CallbackURI     string         `json:"callbackUri"`               // HTTPS URL, app scheme URL, or "/" for no redirect
	Flow            Flow           `json:"flow"`                      // see Flows
	Person          *Person        `json:"person,omitempty"`          // custom flows may omit it (then SetProcessDocument)
	Purpose         Purpose        `json:"purpose"`                   // see Purposes
	ExpiresIn       string         `json:"expiresIn,omitempty"`       // "3600s" (FormatExpiresIn); default 7 days
	CompanyBranchID string         `json:"companyBranchId,omitempty"` // only with several branches
	ClientReference string         `json:"clientReference,omitempty"` // our correlation id (≤256, no spaces)
	BioTokenID      string         `json:"bioTokenId,omitempty"`      // idtoken flows
	UseCase         UseCase        `json:"useCase,omitempty"`         // idsmart
	FlowConfig      *FlowConfig    `json:"flow_config,omitempty"`     // snake_case on the wire
	Payload         []PayloadEntry `json:"payload,omitempty"`         // sign flows
}

// FlowConfig is flow_config.
type FlowConfig struct {
	BiometryCapture BiometryCapture `json:"biometry_capture"`
}

// BiometryCapture is flow_config.biometry_capture.
type BiometryCapture struct {
	EnabledBackCamera bool `json:"enabled_back_camera"`
}

// PayloadEntry is one payload[] entry of a signature flow.
type PayloadEntry struct {
	EnvelopePayload EnvelopePayload `json:"envelopePayload"`
}

// EnvelopePayload holds the PDFs to sign.
type EnvelopePayload struct {
	Documents []EnvelopeDocument `json:"documents"`
}

// EnvelopeDocument is a PDF to sign: FileContents is its base64.
type EnvelopeDocument struct {
	DocumentName string `json:"documentName"`
	FileContents string `json:"fileContents"`
}

// SetDocumentRequest is the body of POST /client/v1/process/{id}/document.
type SetDocumentRequest struct {
	DUIType  DUIType `json:"duiType"`
	DUIValue string  `json:"duiValue"`
}

// ValidationError names a request field and what is wrong with it, never its value.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return "unico: invalid " + e.Field + ": " + e.Reason }

var (
	expiresInRE = regexp.MustCompile(`^[1-9][0-9]*s$`)
	digitsRE    = regexp.MustCompile(`^[0-9]+$`)
)

// Validate checks the rules Unico documents for CreateProcess (required fields, per-flow-family
// fields, friendlyName ≤ 50, the notification channel contact fields, expiresIn format). Errors
// name the field only.
func (r CreateProcessRequest) Validate() error {
	if strings.TrimSpace(r.CallbackURI) == "" {
		return &ValidationError{"callbackUri", "required"}
	}
	if r.Flow == "" {
		return &ValidationError{"flow", "required"}
	}
	if r.Purpose == "" {
		return &ValidationError{"purpose", "required"}
	}
	if r.ExpiresIn != "" && !expiresInRE.MatchString(r.ExpiresIn) {
		return &ValidationError{"expiresIn", `must be whole seconds followed by "s"`}
	}
	if FlowNeedsPayload(r.Flow) {
		if len(r.Payload) == 0 {
			return &ValidationError{"payload", "required for signature flows"}
		}
		for _, p := range r.Payload {
			if len(p.EnvelopePayload.Documents) == 0 {
				return &ValidationError{"payload.envelopePayload.documents", "required"}
			}
			for _, d := range p.EnvelopePayload.Documents {
				if d.DocumentName == "" || d.FileContents == "" {
					return &ValidationError{"payload.envelopePayload.documents", "documentName and fileContents are required"}
				}
			}
		}
	}
	if FlowNeedsBioToken(r.Flow) && r.BioTokenID == "" {
		return &ValidationError{"bioTokenId", "required for idtoken flows"}
	}
	if FlowNeedsUseCase(r.Flow) && r.UseCase == "" {
		return &ValidationError{"useCase", "required for idsmart"}
	}
	if r.Person == nil {
		if r.Flow.Known() {
			return &ValidationError{"person", "required for documented flows"}
		}
		return nil
	}
	return r.Person.validate(FlowNeedsPayload(r.Flow))
}

func (p Person) validate(signFlow bool) error {
	if p.DUIType == "" && p.DUIValue != "" || p.DUIType != "" && p.DUIValue == "" {
		return &ValidationError{"person.duiType/duiValue", "both or neither are required"}
	}
	if p.DUIType == DUITypeBRCPF && !ValidCPF(string(p.DUIValue)) {
		return &ValidationError{"person.duiValue", "not a valid CPF (11 digits, check digits)"}
	}
	if utf8.RuneCountInString(p.FriendlyName) > 50 {
		return &ValidationError{"person.friendlyName", "exceeds 50 characters"}
	}
	if p.Phone != "" && !digitsRE.MatchString(string(p.Phone)) {
		return &ValidationError{"person.phone", "digits only (country code, area code, number)"}
	}
	for _, n := range p.Notifications {
		switch n.NotificationChannel {
		case NotificationChannelEmail:
			if p.Email == "" {
				return &ValidationError{"person.email", "required for NOTIFICATION_CHANNEL_EMAIL"}
			}
		case NotificationChannelWhatsApp:
			if len(p.Phone) != 13 {
				return &ValidationError{"person.phone", "must have 13 digits for NOTIFICATION_CHANNEL_WHATSAPP"}
			}
		case NotificationChannelSMS:
			if p.Phone == "" {
				return &ValidationError{"person.phone", "required for NOTIFICATION_CHANNEL_SMS"}
			}
		}
	}
	if signFlow && p.Email == "" {
		return &ValidationError{"person.email", "required for electronic-signature flows"}
	}
	return nil
}

// ValidCPF reports whether s is 11 digits with valid check digits and not all digits equal.
func ValidCPF(s string) bool {
	if len(s) != 11 || !digitsRE.MatchString(s) {
		return false
	}
	same := true
	for i := 1; i < 11; i++ {
		if s[i] != s[0] {
			same = false
			break
		}
	}
	if same {
		return false
	}
	for _, n := range []int{9, 10} {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(s[i]-'0') * (n + 1 - i)
		}
		d := sum * 10 % 11
		if d == 10 {
			d = 0
		}
		if d != int(s[n]-'0') {
			return false
		}
	}
	return true
}

// ClientProcessRequest is the by-Client CreateProcess body (POST /processes/v1). Which fields
// are needed depends on the APIKEY's capability set. ImageBase64 is the SDK's encrypted selfie
// JWT (single use, 10 minutes): never log it.
type ClientProcessRequest struct {
	Subject            Subject          `json:"subject,omitzero"`
	UseCase            string           `json:"useCase,omitempty"`
	SubsidiaryID       string           `json:"subsidiaryId,omitempty"`
	ImageBase64        string           `json:"imageBase64,omitempty"`
	ReferenceProcessID string           `json:"referenceProcessId,omitempty"` // deprecated by Unico: prefer References
	References         []Reference      `json:"references,omitempty"`
	Document           *DocumentRequest `json:"document,omitempty"`
}

// Subject is the person of a by-Client request.
type Subject struct {
	Code            string  `json:"code,omitempty"` // CPF (BR) or CURP (MX), digits only
	Name            string  `json:"name,omitempty"` // no double spaces
	Email           string  `json:"email,omitempty"`
	Phone           string  `json:"phone,omitempty"`     // e.g. 5511900000000
	Gender          string  `json:"gender,omitempty"`    // M or F
	BirthDate       string  `json:"birthDate,omitempty"` // YYYY-MM-DD
	DUIType         DUIType `json:"duiType,omitempty"`   // document processes
	ClientReference string  `json:"clientReference,omitempty"`
}

// Reference is one references[] entry of a 1:1 request.
type Reference struct {
	ReferenceType    ReferenceType `json:"referenceType"`
	ReferenceContent string        `json:"referenceContent"` // base64 image or process id
}

// DocumentRequest is document{} of a by-Client document process: Files for a new capture, or
// DocumentID to reuse one found by ListReusableDocuments.
type DocumentRequest struct {
	Purpose       DocumentPurpose `json:"purpose,omitempty"`
	AuthProcessID string          `json:"authProcessId,omitempty"`
	Files         []DocumentFile  `json:"files,omitempty"`
	DocumentID    string          `json:"documentId,omitempty"`
}

// DocumentFile is one document image (base64, or the SDK's encrypted document JWT).
type DocumentFile struct {
	Data string `json:"data"`
}
