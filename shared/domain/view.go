package domain

import (
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// ProcessView is what the API returns for a process: our state and decision, Unico's own
// status, and the results read from Unico at request time (results are not stored).
type ProcessView struct {
	ID              string         `json:"id"`
	Integration     Integration    `json:"integration"`
	Flow            string         `json:"flow"`
	State           State          `json:"state"`
	Decision        Decision       `json:"decision"`
	Unico           UnicoStatus    `json:"unico"`
	CPFMasked       string         `json:"cpfMasked,omitempty"`
	ClientReference string         `json:"clientReference,omitempty"`
	CreatedAt       time.Time      `json:"createdAt"`
	UpdatedAt       time.Time      `json:"updatedAt"`
	FinishedAt      *time.Time     `json:"finishedAt,omitempty"`
	ExpiresAt       *time.Time     `json:"expiresAt,omitempty"`
	Results         *HostedResults `json:"results,omitempty"`
	Documents       []DocumentView `json:"documents,omitempty"`
	Signature       *SignatureView `json:"signature,omitempty"`
	ClientResults   *ClientResults `json:"clientResults,omitempty"` // by Client (byclient.go)
	Redacted        bool           `json:"redacted,omitempty"`
	RedactedAt      *time.Time     `json:"redactedAt,omitempty"`
	// A person's review (review.go): the review, and the automatic decision it replaced.
	Review            *ReviewView `json:"review,omitempty"`
	AutomaticDecision *Decision   `json:"automaticDecision,omitempty"`
	// Source is "unico" when the results were read from Unico for this answer, "store" when
	// Unico could not be reached (or the process is redacted) and only the recorded state and
	// decision are shown.
	Source string `json:"source"`
}

// UnicoStatus is Unico's own vocabulary for the process, verbatim.
type UnicoStatus struct {
	State                string   `json:"state,omitempty"`
	Result               string   `json:"result,omitempty"`
	LastEvent            string   `json:"lastEvent,omitempty"`
	LastEventDescription string   `json:"lastEventDescription,omitempty"`
	Capacities           []string `json:"capacities,omitempty"`
	Purpose              string   `json:"purpose,omitempty"`
	UseCase              string   `json:"useCase,omitempty"`
	CompanyBranchID      string   `json:"companyBranchId,omitempty"`
	CompanyCountryCode   string   `json:"companyCountryCode,omitempty"`
	BioTokenReferenceID  string   `json:"bioTokenReferenceProcessId,omitempty"`
	BioTokenAuthID       string   `json:"bioTokenAuthenticationId,omitempty"`
}

// HostedResults is every result of a by-Unico process: authenticationInfo as Unico sent it
// (every field, unknown values kept) plus the scores as numbers.
type HostedResults struct {
	AuthenticationInfo unico.AuthenticationInfo `json:"authenticationInfo"`
	RiskScore          *float64                 `json:"riskScore,omitempty"`
	SerproScore        *float64                 `json:"serproScore,omitempty"`
}

// DocumentView is one captured or reused document with its OCR data.
type DocumentView struct {
	Type        string        `json:"type"`
	DocumentID  string        `json:"documentId,omitempty"`
	Typified    bool          `json:"typified"`
	CPFMatch    bool          `json:"cpfMatch"`
	FaceMatch   bool          `json:"faceMatch"`
	Validated   bool          `json:"validated"`
	Reused      bool          `json:"reused"`
	OCR         unico.OCRData `json:"ocr,omitzero"`          // normalised: camelCase keys, string values (ocrview.go)
	DownloadURL string        `json:"downloadUrl,omitempty"` // Unico's signed_url: a PDF, valid 5 minutes
}

// SignatureView is the e-signature envelope of a *sign flow.
type SignatureView struct {
	EnvelopeID     string   `json:"envelopeId,omitempty"`
	DocumentIDs    []string `json:"documentIds"`
	ConsentGranted bool     `json:"consentGranted"`
}

func baseView(p Process) ProcessView {
	v := ProcessView{ID: p.ID, Integration: p.Integration, Flow: p.Flow, State: p.State, Decision: p.Decision,
		Unico: UnicoStatus{State: p.UnicoState, Result: p.UnicoResult}, CPFMasked: p.CPFMasked,
		ClientReference: p.ClientReference, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Redacted: p.Redacted}
	if v.Decision.Reasons == nil {
		v.Decision.Reasons = []Reason{}
	}
	if !p.FinishedAt.IsZero() {
		t := p.FinishedAt
		v.FinishedAt = &t
	}
	if !p.UnicoExpiresAt.IsZero() {
		t := p.UnicoExpiresAt
		v.ExpiresAt = &t
	}
	if !p.RedactedAt.IsZero() {
		t := p.RedactedAt
		v.RedactedAt = &t
	}
	overlayReview(&v, p)
	return v
}

// storedView answers from the store alone.
func storedView(p Process) ProcessView {
	v := baseView(p)
	v.Source = "store"
	return v
}

// hostedView combines the stored process with Unico's current answer.
func hostedView(p Process, up *unico.Process) ProcessView {
	v := baseView(p)
	v.Source = "unico"
	if up == nil {
		return v
	}
	v.Unico.LastEvent, v.Unico.LastEventDescription = string(up.LastEvent), up.LastEventDescription
	v.Unico.Purpose, v.Unico.UseCase = string(up.Purpose), string(up.UseCase)
	for _, c := range up.Capacities {
		v.Unico.Capacities = append(v.Unico.Capacities, string(c))
	}
	if up.CompanyData != nil {
		v.Unico.CompanyBranchID, v.Unico.CompanyCountryCode = up.CompanyData.BranchID, up.CompanyData.CountryCode
	}
	if up.BioTokenData != nil {
		v.Unico.BioTokenReferenceID, v.Unico.BioTokenAuthID = up.BioTokenData.ReferenceProcessID, up.BioTokenData.AuthenticationID
	}
	if up.State == unico.ProcessStateFinished {
		a := up.AuthenticationInfo
		r := &HostedResults{AuthenticationInfo: a}
		if a.ScoreEngineResult.ScoreEnabled == unico.ScoreEnabledTrue {
			s := a.ScoreEngineResult.Score
			r.RiskScore = &s
		}
		if a.SerproResult != nil {
			s := a.SerproResult.Score
			r.SerproScore = &s
		}
		v.Results = r
	}
	for _, s := range up.Services {
		for _, d := range s.Documents {
			v.Documents = append(v.Documents, DocumentView{Type: string(unico.NormalizeDocumentCode(string(d.Doc.Code))), DocumentID: d.DocID,
				Typified: d.Typified, CPFMatch: d.CPFMatch, FaceMatch: d.FaceMatch, Validated: d.ValidateDoc, Reused: d.ReusedDoc,
				OCR: normalizeOCR(d.Doc.Data), DownloadURL: d.SignedURL})
		}
		if s.EnvelopeID != "" || len(s.DocumentIDs) > 0 {
			if v.Signature == nil {
				v.Signature = &SignatureView{DocumentIDs: []string{}}
			}
			if s.EnvelopeID != "" {
				v.Signature.EnvelopeID = s.EnvelopeID
			}
			v.Signature.DocumentIDs = append(v.Signature.DocumentIDs, s.DocumentIDs...)
			v.Signature.ConsentGranted = v.Signature.ConsentGranted || s.ConsentGranted
		}
	}
	return v
}
