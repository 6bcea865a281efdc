package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// The rest of the API (api/openapi.json): reusable documents, custom flows' document,
// redaction, the replay of an outbound event, and the artefacts.

// Artefact is a file fetched from Unico through the gateway (a selfie, an evidence set, a
// signed document): never stored by the gateway; it is personal data, treat it so.
type Artefact struct {
	ContentType string // image/jpeg, image/png, application/pdf, ...
	Data        []byte
}

// ListReusableDocuments lists the documents Unico can reuse for a person (docType BR_RG, BR_CNH,
// BR_CIN or BR_PASSPORT), for a by-Client documents process (document.documentId).
func (c *Client) ListReusableDocuments(ctx context.Context, cpf, docType string) (*ReusableDocuments, error) {
	var res ReusableDocuments
	if err := c.do(ctx, http.MethodGet, "/v1/documents", url.Values{"cpf": {cpf}, "type": {docType}}, nil, "", &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// SetProcessDocument sets the person of a custom flow created without one (once).
func (c *Client) SetProcessDocument(ctx context.Context, id string, req SetDocumentRequest) (*Process, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var p Process
	if err := c.do(ctx, http.MethodPut, "/v1/processes/"+url.PathEscape(id)+"/document", nil, body, "", &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// RedactProcess removes a process's personal data and keeps its decision for audit
// (idempotent).
func (c *Client) RedactProcess(ctx context.Context, id string) (*Process, error) {
	var p Process
	if err := c.do(ctx, http.MethodPost, "/v1/processes/"+url.PathEscape(id)+"/redact", nil, []byte("{}"), "", &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Review records a person's decision on a process in review with a new Idempotency-Key,
// retried safely. It answers the process with the person's decision as Decision, the Review and
// the AutomaticDecision it replaced; 409 process_not_in_review when its decision is not review
// or it was already reviewed.
func (c *Client) Review(ctx context.Context, id string, req ReviewRequest) (*Process, error) {
	return c.ReviewWithKey(ctx, NewIdempotencyKey(), id, req)
}

// ReviewWithKey is Review with the caller's Idempotency-Key (store it with your own record: a
// retry after a crash replays the first answer).
func (c *Client) ReviewWithKey(ctx context.Context, key, id string, req ReviewRequest) (*Process, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var p Process
	if err := c.do(ctx, http.MethodPost, "/v1/processes/"+url.PathEscape(id)+"/review", nil, body, key, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ReplayNotification asks for a final process's outbound event again: same webhook-id, a fresh
// series of attempts (409 process_not_final before it is final).
func (c *Client) ReplayNotification(ctx context.Context, id string) (*ReplayResult, error) {
	var r ReplayResult
	if err := c.do(ctx, http.MethodPost, "/v1/processes/"+url.PathEscape(id)+"/notifications", nil, nil, "", &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Selfie fetches a by-Unico process's selfie (raw: without watermark, when the account may).
func (c *Client) Selfie(ctx context.Context, id string, raw bool) (*Artefact, error) {
	var q url.Values
	if raw {
		q = url.Values{"raw": {strconv.FormatBool(raw)}}
	}
	return c.artefact(ctx, "/v1/processes/"+url.PathEscape(id)+"/selfie", q)
}

// EvidenceSet fetches a by-Unico process's evidence set (a PDF).
func (c *Client) EvidenceSet(ctx context.Context, id string) (*Artefact, error) {
	return c.artefact(ctx, "/v1/processes/"+url.PathEscape(id)+"/evidence-set", nil)
}

// SignedDocument fetches one signed document of a signature flow (documentId from
// Process.Signature.DocumentIDs).
func (c *Client) SignedDocument(ctx context.Context, id, documentID string) (*Artefact, error) {
	return c.artefact(ctx, "/v1/processes/"+url.PathEscape(id)+"/signed-documents/"+url.PathEscape(documentID), nil)
}

// SignatureEvidence fetches the evidence of signature of one signed document.
func (c *Client) SignatureEvidence(ctx context.Context, id, documentID string) (*Artefact, error) {
	return c.artefact(ctx, "/v1/processes/"+url.PathEscape(id)+"/signature-evidence/"+url.PathEscape(documentID), nil)
}

func (c *Client) artefact(ctx context.Context, path string, q url.Values) (*Artefact, error) {
	var a Artefact
	if err := c.do(ctx, http.MethodGet, path, q, nil, "", &a); err != nil {
		return nil, err
	}
	return &a, nil
}
