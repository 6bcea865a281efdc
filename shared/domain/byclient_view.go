package domain

// By Client: what a read shows (ClientResults, recorded as Results.Client, results.go) and the
// reusable-documents lookup. Reads themselves go through read.go, like by-Unico ones.

import (
	"context"
	"log/slog"
	"strings"

	"github.com/unicogw/gateway/shared/unico"
)

// ClientResults is Unico's by-Client result, normalised. It is recorded with the process
// (Results.Client) without the document's OCR content and file links, which a read with
// ReadOptions.IncludeDocuments fetches from Unico.
type ClientResults struct {
	Status             int                 `json:"status"`                       // Unico's status: 1 in progress, 2 divergence, 3 completed, 4 canceled, 5 error
	Identity           string              `json:"identity,omitempty"`           // unicoId.result: yes, no, inconclusive (lower-cased)
	Liveness           int                 `json:"liveness,omitempty"`           // 1 live, 2 not live; absent when identity is yes
	RiskScore          *float64            `json:"riskScore,omitempty"`          // -90..+95, when the key has Risk Score and identity is inconclusive
	IdentityFraudsters string              `json:"identityFraudsters,omitempty"` // behavior alert: yes or inconclusive
	OneToOneMatched    *bool               `json:"oneToOneMatched,omitempty"`    // 1:1: authenticated or biometryToken.result
	SerproScore        *int                `json:"serproScore,omitempty"`        // government.serpro: 0..100, or -1/-2
	Document           *ClientDocumentView `json:"document,omitempty"`
}

// ClientDocumentView is the result of a by-Client document process.
type ClientDocumentView struct {
	ID        string        `json:"id,omitempty"`
	Type      string        `json:"type,omitempty"`      // CNH, RG, CIN, PASSPORT or UNKNOWN
	UnicoType string        `json:"unicoType,omitempty"` // Unico's document.type, verbatim
	CPFMatch  *bool         `json:"cpfMatch,omitempty"`
	OCR       unico.OCRData `json:"ocr,omitzero"`
	FileURLs  []string      `json:"fileUrls,omitempty"` // Unico's signed URLs of the images, valid 10 minutes
}

// ReusableDocuments is the answer of GET /v1/documents.
type ReusableDocuments struct {
	Documents []ReusableDocument `json:"documents"`
}

// ReusableDocument is one document Unico can reuse for the CPF (document.documentId of a create).
type ReusableDocument struct {
	DocumentID string `json:"documentId"`
	Type       string `json:"type"`      // CNH, RG, CIN, PASSPORT or UNKNOWN
	UnicoType  string `json:"unicoType"` // e.g. unico.moja.dictionary.br.cnh.v2.Cnh
}

// ListReusableDocuments lists the documents Unico can reuse for a CPF (GET /documents/v1).
func (s *Service) ListReusableDocuments(ctx context.Context, tenant, cpf, docType string) (ReusableDocuments, error) {
	digits := NormalizeCPF(cpf)
	if strings.TrimSpace(cpf) == "" {
		return ReusableDocuments{}, invalid("cpf_required", "The cpf query parameter is required.")
	}
	if digits == "" || !ValidCPF(digits) {
		return ReusableDocuments{}, invalid("invalid_cpf", "cpf is not a valid CPF.")
	}
	t := strings.ToUpper(strings.TrimSpace(docType))
	if t == "" {
		return ReusableDocuments{}, invalid("document_type_required", "The type query parameter is required: one of %s.", strings.Join(unico.ReusableQueryTypes, ", "))
	}
	known := false
	for _, q := range unico.ReusableQueryTypes {
		known = known || q == t
	}
	if !known {
		return ReusableDocuments{}, invalid("invalid_document_type", "type must be one of %s.", strings.Join(unico.ReusableQueryTypes, ", "))
	}
	if s.client == nil {
		return ReusableDocuments{}, &Error{Kind: KindUnavailable, Code: "by_client_not_configured", Message: "This gateway is not configured for the by-Client integration."}
	}
	docs, err := s.client.ListReusableDocuments(ctx, unico.CapabilityDocuments, digits, t)
	if err != nil {
		return ReusableDocuments{}, clientUnicoError(err)
	}
	out := ReusableDocuments{Documents: []ReusableDocument{}}
	for _, d := range docs.Items {
		out.Documents = append(out.Documents, ReusableDocument{DocumentID: d.DocumentID, Type: string(d.Kind()), UnicoType: d.DocumentType})
	}
	s.cfg.Log.InfoContext(ctx, "reusable documents listed", slog.String("tenant", tenant), slog.Int("count", len(out.Documents)))
	return out, nil
}
