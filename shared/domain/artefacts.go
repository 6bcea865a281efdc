package domain

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// Artefacts are the files Unico keeps for a by-Unico process: the selfie, the evidence set, and
// for signature flows the signed documents and their evidence of signature. The gateway fetches
// them from Unico on every request and streams them to the caller: they are never stored and
// never logged (unico.Artefact hides its bytes from String and slog).

// ArtefactKind names an artefact in codes and messages.
type ArtefactKind string

const (
	ArtefactSelfie            ArtefactKind = "selfie"
	ArtefactEvidenceSet       ArtefactKind = "evidence_set"
	ArtefactSignedDocument    ArtefactKind = "signed_document"
	ArtefactSignatureEvidence ArtefactKind = "signature_evidence"
)

// How long Unico keeps an artefact after the process finished (reference §6.5; "the policy's
// actual window is not published"). Used only to explain a 404 after the window as expired.
var artefactWindow = map[ArtefactKind]time.Duration{
	ArtefactSelfie:      8 * time.Hour,
	ArtefactEvidenceSet: 2 * time.Hour,
}

var artefactLabel = map[ArtefactKind]string{
	ArtefactSelfie: "selfie", ArtefactEvidenceSet: "evidence set",
	ArtefactSignedDocument: "signed document", ArtefactSignatureEvidence: "evidence of signature",
}

// Stable artefact error codes.
const (
	CodeArtefactNotAvailable = "artefact_not_available" // not a by-Unico process
	CodeArtefactNotFound     = "artefact_not_found"
	CodeArtefactExpired      = "artefact_expired"
	CodeArtefactNotPermitted = "artefact_not_permitted"
	CodeSelfieNotPermitted   = "selfie_not_permitted"
	CodeDocumentNotInProcess = "signed_document_not_found"
	CodeProcessRedacted      = "process_redacted"
	CodeInvalidDocumentID    = "invalid_document_id"
)

// Selfie returns the person's selfie (watermarked; raw asks for the copy without watermark,
// which Unico grants only to some accounts).
func (s *Service) Selfie(ctx context.Context, tenant, id string, raw bool) (unico.Artefact, error) {
	p, err := s.artefactProcess(ctx, tenant, id)
	if err != nil {
		return unico.Artefact{}, err
	}
	a, err := s.hosted.GetSelfie(ctx, id, raw)
	if err != nil {
		return unico.Artefact{}, s.artefactError(ArtefactSelfie, p, err)
	}
	return a, nil
}

// EvidenceSet returns the evidence-set PDF of a finished process.
func (s *Service) EvidenceSet(ctx context.Context, tenant, id string) (unico.Artefact, error) {
	p, err := s.artefactProcess(ctx, tenant, id)
	if err != nil {
		return unico.Artefact{}, err
	}
	a, err := s.hosted.GetEvidenceSet(ctx, id)
	if err != nil {
		return unico.Artefact{}, s.artefactError(ArtefactEvidenceSet, p, err)
	}
	return a, nil
}

// SignedDocument returns a signed document of a signature flow. documentID must be one of the
// process's signature documents as Unico reports them now, so that a tenant cannot fetch another
// tenant's document through a process of its own.
func (s *Service) SignedDocument(ctx context.Context, tenant, id, documentID string) (unico.Artefact, error) {
	p, err := s.signatureDocument(ctx, tenant, id, documentID)
	if err != nil {
		return unico.Artefact{}, err
	}
	a, err := s.hosted.GetSignedDocument(ctx, documentID)
	if err != nil {
		return unico.Artefact{}, s.artefactError(ArtefactSignedDocument, p, err)
	}
	return a, nil
}

// SignatureEvidence returns the evidence of signature of one signed document (same check as
// SignedDocument).
func (s *Service) SignatureEvidence(ctx context.Context, tenant, id, documentID string) (unico.Artefact, error) {
	p, err := s.signatureDocument(ctx, tenant, id, documentID)
	if err != nil {
		return unico.Artefact{}, err
	}
	a, err := s.hosted.GetSignatureEvidence(ctx, documentID)
	if err != nil {
		return unico.Artefact{}, s.artefactError(ArtefactSignatureEvidence, p, err)
	}
	return a, nil
}

// artefactProcess reads the process for its tenant: 404 for an unknown id or another tenant's
// process, 410 for a redacted one, 404 for a process that has no Unico artefacts (by Client).
func (s *Service) artefactProcess(ctx context.Context, tenant, id string) (Process, error) {
	if !validID(id) {
		return Process{}, ErrNotFound
	}
	p, err := s.store.GetProcess(ctx, id)
	if err != nil {
		return Process{}, err
	}
	if !p.Visible(tenant, s.cfg.Now()) {
		return Process{}, ErrNotFound
	}
	if p.Redacted {
		return Process{}, Errorf(KindGone, CodeProcessRedacted, "The process was redacted; its artefacts are no longer served.")
	}
	if p.Integration != ByUnico {
		return Process{}, Errorf(KindNotFound, CodeArtefactNotAvailable, "Artefacts are served for by-Unico processes only.")
	}
	return p, nil
}

func (s *Service) signatureDocument(ctx context.Context, tenant, id, documentID string) (Process, error) {
	p, err := s.artefactProcess(ctx, tenant, id)
	if err != nil {
		return Process{}, err
	}
	if !validID(documentID) {
		return Process{}, Errorf(KindInvalid, CodeInvalidDocumentID, "documentId must be a UUID from the process's signature documentIds.")
	}
	up, err := s.hosted.GetProcess(ctx, id)
	if err != nil {
		return Process{}, unicoError(err)
	}
	for _, d := range up.SignedDocumentIDs() {
		if strings.EqualFold(d, documentID) {
			return p, nil
		}
	}
	return Process{}, Errorf(KindNotFound, CodeDocumentNotInProcess, "The process has no signature document with this id.")
}

// artefactError turns Unico's answer into a clear, stable error: 403 (the account may not have
// it), 404 (not there: not finished, not kept for this result or flow, or past its window) and
// 410 (retention passed). Anything else keeps the generic mapping (502/503/429/504).
func (s *Service) artefactError(kind ArtefactKind, p Process, err error) error {
	e := unicoError(err)
	label := artefactLabel[kind]
	var ae *unico.APIError
	if !errors.As(err, &ae) {
		return e
	}
	switch ae.HTTPStatus {
	case 403:
		code := CodeArtefactNotPermitted
		if kind == ArtefactSelfie {
			code = CodeSelfieNotPermitted
		}
		return &Error{Kind: KindForbidden, Code: code, Message: "The Unico account has no permission to obtain the " + label + " (Unico decides per account).", Err: err}
	case 410:
		return &Error{Kind: KindGone, Code: CodeArtefactExpired, Message: "Unico no longer keeps the " + label + " of this process (retention passed).", Err: err}
	case 404:
		if w, ok := artefactWindow[kind]; ok && !p.FinishedAt.IsZero() && s.cfg.Now().After(p.FinishedAt.Add(w)) {
			return &Error{Kind: KindGone, Code: CodeArtefactExpired, Message: "Unico keeps the " + label + " for " + strconv.Itoa(int(w.Hours())) + " hours after the process finished; that time has passed.", Err: err}
		}
		return &Error{Kind: KindNotFound, Code: CodeArtefactNotFound, Message: "Unico has no " + label + " for this process (it exists only once the journey finished with a result, and not for every flow).", Err: err}
	}
	return e
}
