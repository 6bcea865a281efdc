package domain

import (
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// ProcessView is what the API returns for a process: our state and decision, Unico's own
// status and results (recorded when Unico was read; OCR and document links only on request).
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
	// Source is "unico" when Unico was read for this answer, "store" when the answer is what
	// was recorded the last time Unico was read (CheckedAt): a final process, an open one read
	// again within the refresh interval, or Unico unreachable. OCR content and document links
	// are only in an answer read from Unico with the include (ReadOptions).
	Source    string     `json:"source"`
	CheckedAt *time.Time `json:"checkedAt,omitempty"`
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

// storedView answers from the store alone: the state, the decision and the recorded results.
func storedView(p Process) ProcessView { return resultsView(p, p.Results, SourceStore) }

// Sources of a read's answer (ProcessView.Source).
const (
	SourceUnico = "unico" // Unico was read for this answer
	SourceStore = "store" // answered from the store: what was recorded when Unico was last read (checkedAt)
)

// resultsView is the stored process with Unico's results on top, from a live answer or from
// what was recorded: one builder for both, so that they cannot drift apart.
func resultsView(p Process, r *Results, source string) ProcessView {
	v := baseView(p)
	v.Source = source
	if !p.CheckedAt.IsZero() {
		t := p.CheckedAt
		v.CheckedAt = &t
	}
	if r == nil || p.Redacted {
		return v
	}
	u := r.Unico
	u.State, u.Result = v.Unico.State, v.Unico.Result
	v.Unico = u
	v.Results, v.Documents, v.Signature, v.ClientResults = r.Hosted, r.Documents, r.Signature, r.Client
	return v
}

// hostedView combines the stored process with Unico's current answer.
func hostedView(p Process, up *unico.Process) ProcessView {
	if up == nil {
		return resultsView(p, nil, SourceUnico)
	}
	return resultsView(p, hostedResults(*up), SourceUnico)
}
