package httpapi

import (
	"mime"
	"net/http"
	"strings"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/unico"
)

// maxArtefactBytes keeps an artefact within what one Lambda answer can carry: the response
// payload limit is 6 MB and shared/lambdaproxy base64-encodes binary bodies (4/3 larger).
const maxArtefactBytes = 4_300_000

var errArtefactTooLarge = &domain.Error{Kind: domain.KindBadGateway, Code: "artefact_too_large",
	Message: "The artefact is larger than the gateway can return in one answer (about 4 MB)."}

// writeArtefact answers with the artefact's bytes as they came from Unico. Nothing of it is
// logged or stored; no-store keeps it out of shared caches as well.
func writeArtefact(w http.ResponseWriter, r *http.Request, a unico.Artefact, err error) {
	if err == nil && len(a.Data) > maxArtefactBytes {
		err = errArtefactTooLarge
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", artefactContentType(a))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Data)
}

// artefactContentType passes on image and PDF types and labels anything else as opaque bytes,
// so that nothing Unico sends is ever rendered as a page by a browser.
func artefactContentType(a unico.Artefact) string {
	ct := strings.ToLower(strings.TrimSpace(a.ContentType))
	if ct == "" {
		ct = http.DetectContentType(a.Data)
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && (strings.HasPrefix(mt, "image/") && mt != "image/svg+xml" || mt == "application/pdf") {
		return mt
	}
	return "application/octet-stream"
}

// handleSelfie serves GET /v1/processes/{id}/selfie[?raw=true].
func (a *API) handleSelfie() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := false
		switch v := r.URL.Query().Get("raw"); v {
		case "", "false":
		case "true":
			raw = true
		default:
			writeError(w, r, domain.Errorf(domain.KindInvalid, "invalid_raw", "raw must be true or false."))
			return
		}
		art, err := a.svc.Selfie(r.Context(), tenantOf(r), r.PathValue("id"), raw)
		writeArtefact(w, r, art, err)
	})
}

// handleEvidenceSet serves GET /v1/processes/{id}/evidence-set.
func (a *API) handleEvidenceSet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		art, err := a.svc.EvidenceSet(r.Context(), tenantOf(r), r.PathValue("id"))
		writeArtefact(w, r, art, err)
	})
}

// handleSignedDocument serves GET /v1/processes/{id}/signed-documents/{documentId}.
func (a *API) handleSignedDocument() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		art, err := a.svc.SignedDocument(r.Context(), tenantOf(r), r.PathValue("id"), r.PathValue("documentId"))
		writeArtefact(w, r, art, err)
	})
}

// handleSignatureEvidence serves GET /v1/processes/{id}/signature-evidence/{documentId}.
func (a *API) handleSignatureEvidence() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		art, err := a.svc.SignatureEvidence(r.Context(), tenantOf(r), r.PathValue("id"), r.PathValue("documentId"))
		writeArtefact(w, r, art, err)
	})
}

// handleSetDocument serves PUT /v1/processes/{id}/document.
func (a *API) handleSetDocument() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var req domain.SetDocumentRequest
		if err := decodeStrict(body, &req); err != nil {
			writeError(w, r, err)
			return
		}
		view, err := a.svc.SetDocument(r.Context(), tenantOf(r), r.PathValue("id"), req)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, view)
	})
}
