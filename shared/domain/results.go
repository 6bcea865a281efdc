package domain

import (
	"strings"

	"github.com/unicogw/gateway/shared/unico"
)

// Results is what a read shows of Unico's answer beyond our state and decision: Unico's own
// status, the by-Unico results, documents and signature, or the by-Client results. The same
// value is built from a live answer (live) and recorded with the process (recordable), so a
// read answered from the store and a read answered live go through one view builder and can
// only differ in what recordable leaves out.
//
// What is recorded holds nothing personal and nothing that expires: OCR content (names,
// numbers, dates of the person's document), Unico's signed document links (downloadUrl,
// fileUrls) and anything naming the person stay out; they are fetched from Unico when the
// caller asks for them (ReadOptions.IncludeDocuments).
type Results struct {
	Unico     UnicoStatus    `json:"unico,omitzero"` // state and result live on Process; the rest here
	Hosted    *HostedResults `json:"hosted,omitempty"`
	Documents []DocumentView `json:"documents,omitempty"`
	Signature *SignatureView `json:"signature,omitempty"`
	Client    *ClientResults `json:"client,omitempty"`
}

// hostedResults is everything a by-Unico answer shows, on-request parts included.
func hostedResults(up unico.Process) *Results {
	r := &Results{}
	r.Unico.LastEvent, r.Unico.LastEventDescription = string(up.LastEvent), up.LastEventDescription
	r.Unico.Purpose, r.Unico.UseCase = string(up.Purpose), string(up.UseCase)
	for _, c := range up.Capacities {
		r.Unico.Capacities = append(r.Unico.Capacities, string(c))
	}
	if up.CompanyData != nil {
		r.Unico.CompanyBranchID, r.Unico.CompanyCountryCode = up.CompanyData.BranchID, up.CompanyData.CountryCode
	}
	if up.BioTokenData != nil {
		r.Unico.BioTokenReferenceID, r.Unico.BioTokenAuthID = up.BioTokenData.ReferenceProcessID, up.BioTokenData.AuthenticationID
	}
	if up.State == unico.ProcessStateFinished {
		a := up.AuthenticationInfo
		h := &HostedResults{AuthenticationInfo: a}
		if a.ScoreEngineResult.ScoreEnabled == unico.ScoreEnabledTrue {
			s := a.ScoreEngineResult.Score
			h.RiskScore = &s
		}
		if a.SerproResult != nil {
			s := a.SerproResult.Score
			h.SerproScore = &s
		}
		r.Hosted = h
	}
	for _, s := range up.Services {
		for _, d := range s.Documents {
			r.Documents = append(r.Documents, DocumentView{Type: string(unico.NormalizeDocumentCode(string(d.Doc.Code))), DocumentID: d.DocID,
				Typified: d.Typified, CPFMatch: d.CPFMatch, FaceMatch: d.FaceMatch, Validated: d.ValidateDoc, Reused: d.ReusedDoc,
				OCR: normalizeOCR(d.Doc.Data), DownloadURL: d.SignedURL})
		}
		if s.EnvelopeID != "" || len(s.DocumentIDs) > 0 {
			if r.Signature == nil {
				r.Signature = &SignatureView{DocumentIDs: []string{}}
			}
			if s.EnvelopeID != "" {
				r.Signature.EnvelopeID = s.EnvelopeID
			}
			r.Signature.DocumentIDs = append(r.Signature.DocumentIDs, s.DocumentIDs...)
			r.Signature.ConsentGranted = r.Signature.ConsentGranted || s.ConsentGranted
		}
	}
	return r
}

// clientResults is everything a by-Client answer shows, on-request parts included.
func clientResults(cp unico.ClientProcess) *Results {
	c := &ClientResults{Status: cp.Status, Liveness: cp.Liveness, RiskScore: cp.Score}
	if cp.UnicoID != nil && cp.UnicoID.Result != "" {
		c.Identity = strings.ToLower(safeEnum(strings.TrimSpace(cp.UnicoID.Result)))
	}
	if cp.IdentityFraudsters != nil && cp.IdentityFraudsters.Result != "" {
		c.IdentityFraudsters = strings.ToLower(safeEnum(strings.TrimSpace(cp.IdentityFraudsters.Result)))
	}
	if m, ok := cp.OneToOneMatched(); ok {
		c.OneToOneMatched = &m
	}
	if cp.Government != nil {
		c.SerproScore = cp.Government.Serpro
	}
	if d := cp.Document; d != nil {
		c.Document = &ClientDocumentView{ID: d.ID, Type: string(unico.NormalizeDocumentCode(d.Type)), UnicoType: d.Type,
			CPFMatch: d.CPFMatch, OCR: d.Content, FileURLs: d.FileURLs}
		if d.Type == "" {
			c.Document.Type = ""
		}
	}
	return &Results{Client: c}
}

// recordable is r without its on-request parts (OCR content and signed links): what may be
// stored. It copies what it changes, so r itself stays whole.
func (r *Results) recordable() *Results {
	if r == nil {
		return nil
	}
	out := *r
	if len(r.Documents) > 0 {
		out.Documents = make([]DocumentView, len(r.Documents))
		for i, d := range r.Documents {
			d.OCR, d.DownloadURL = unico.OCRData{}, ""
			out.Documents[i] = d
		}
	}
	if r.Client != nil && r.Client.Document != nil {
		c, d := *r.Client, *r.Client.Document
		d.OCR, d.FileURLs = unico.OCRData{}, nil
		c.Document = &d
		out.Client = &c
	}
	return &out
}

// onRequest reports whether r holds parts that only a live read with the include shows.
func (r *Results) onRequest() bool {
	if r == nil {
		return false
	}
	for _, d := range r.Documents {
		if !d.OCR.IsZero() || d.DownloadURL != "" {
			return true
		}
	}
	return r.Client != nil && r.Client.Document != nil && (!r.Client.Document.OCR.IsZero() || len(r.Client.Document.FileURLs) > 0)
}
