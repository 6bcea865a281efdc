package domain

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/unicogw/gateway/shared/unico"
)

// SetDocumentRequest is the body of PUT /v1/processes/{id}/document: the person's document for
// a custom-flow process created without one (Unico's Set Process Document, reference §3.8).
type SetDocumentRequest struct {
	DUIType  string `json:"duiType"`
	DUIValue string `json:"duiValue"`
}

// The document types Unico's Set Process Document accepts.
var setDocumentTypes = map[unico.DUIType]bool{unico.DUITypeBRCPF: true, unico.DUITypeMXCURP: true, unico.DUITypeUSSSN: true}

// Stable codes of the set-document use case.
const (
	CodeNotAwaitingDocument = "process_not_awaiting_document"
	CodeInvalidDUIType      = "invalid_dui_type"
	CodeInvalidDUIValue     = "invalid_dui_value"
)

// validDocument checks the body before anything is read or sent and returns Unico's type and the
// normalised value.
func validDocument(in SetDocumentRequest) (unico.DUIType, string, error) {
	t := unico.DUIType(strings.ToUpper(strings.TrimSpace(in.DUIType)))
	if !setDocumentTypes[t] {
		return "", "", invalid(CodeInvalidDUIType, "duiType must be DUI_TYPE_BR_CPF, DUI_TYPE_MX_CURP or DUI_TYPE_US_SSN.")
	}
	v := strings.TrimSpace(in.DUIValue)
	if v == "" {
		return "", "", invalid("dui_value_required", "duiValue is required.")
	}
	switch t {
	case unico.DUITypeBRCPF:
		d := NormalizeCPF(v)
		if d == "" || !ValidCPF(d) {
			return "", "", invalid("invalid_cpf", "duiValue is not a valid CPF.")
		}
		return t, d, nil
	case unico.DUITypeUSSSN:
		d := strings.ReplaceAll(v, "-", "")
		if len(d) != 9 || strings.Trim(d, "0123456789") != "" {
			return "", "", invalid(CodeInvalidDUIValue, "duiValue must be a US SSN: 9 digits.")
		}
		return t, d, nil
	default: // MX CURP: 18 letters and digits
		d := strings.ToUpper(v)
		if len(d) != 18 || strings.Trim(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			return "", "", invalid(CodeInvalidDUIValue, "duiValue must be a CURP: 18 letters and digits.")
		}
		return t, d, nil
	}
}

// SetDocument gives a custom-flow process waiting for its document the person's document, so
// that the person can start the journey. Only a process the store shows as awaiting_document is
// sent to Unico (the document is immutable once set).
func (s *Service) SetDocument(ctx context.Context, tenant, id string, in SetDocumentRequest) (ProcessView, error) {
	duiType, value, err := validDocument(in)
	if err != nil {
		return ProcessView{}, err
	}
	if !validID(id) {
		return ProcessView{}, ErrNotFound
	}
	p, err := s.store.GetProcess(ctx, id)
	if err != nil {
		return ProcessView{}, err
	}
	if !p.Visible(tenant, s.cfg.Now()) {
		return ProcessView{}, ErrNotFound
	}
	if p.Redacted {
		return ProcessView{}, Errorf(KindGone, CodeProcessRedacted, "The process was redacted.")
	}
	if p.Integration != ByUnico || p.State != StateAwaitingDocument {
		return ProcessView{}, Errorf(KindConflict, CodeNotAwaitingDocument, "The process is not waiting for a document (only custom flows created without one are; a document cannot be changed).")
	}
	var hashKey []byte
	if duiType == unico.DUITypeBRCPF {
		if hashKey, err = s.secrets.CPFHashKey(ctx); err != nil {
			return ProcessView{}, err
		}
	}
	if _, err := s.hosted.SetProcessDocument(ctx, id, duiType, value); err != nil {
		e := unicoError(err)
		if e.Code == "unico_failed_precondition" {
			return ProcessView{}, &Error{Kind: KindConflict, Code: CodeNotAwaitingDocument, Message: "Unico says the process is not waiting for a document (it may already have one).", Err: err}
		}
		return ProcessView{}, e
	}
	// Unico accepted the document: the process now waits for the person.
	next := p
	for attempt := 0; ; attempt++ {
		if next.State.Rank() <= StateCreated.Rank() {
			next.State = StateCreated
			next.UnicoState = string(unico.ProcessStateCreated)
			next.Decision = decision(OutcomePending, reason(ReasonAwaitingPerson, "The person has not finished the journey yet."))
		}
		if hashKey != nil {
			next.CPFHash, next.CPFMasked = HashCPF(hashKey, value), MaskCPF(value)
		}
		next.UpdatedAt = s.cfg.Now()
		err = s.advance(ctx, p, &next)
		if err == nil || attempt == 1 || !errors.Is(err, ErrConditionFailed) {
			break
		}
		// Someone (a webhook, a read) wrote the process meanwhile: apply the document to theirs.
		if p, err = s.store.GetProcess(ctx, id); err != nil {
			break
		}
		next = p
	}
	if err != nil {
		// Unico holds the document; a read will bring the state from Unico. Say so in the logs
		// rather than fail a request whose effect happened.
		s.cfg.Log.WarnContext(ctx, "document set at Unico but not recorded", slog.String("processId", id), slog.Any("err", err))
	}
	next.Version = p.Version + 1
	return storedView(next), nil
}
