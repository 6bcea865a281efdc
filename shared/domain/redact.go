package domain

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// RedactRequest asks a store to remove one process's personal data.
type RedactRequest struct {
	Tenant string    // the caller: the write is refused unless the process is this tenant's
	ID     string    // the process id (already validated)
	Now    time.Time // redaction time; the write is refused if the retention has passed by then
}

// ProcessRedactor is implemented by a ProcessStore that can redact a process in one
// conditional write. It is a separate interface (the service finds it on its ProcessStore) so
// that stores and fakes written for the other use cases need not change.
type ProcessRedactor interface {
	// RedactProcess removes the process's personal data (CPF hash, masked CPF, client
	// reference), marks it redacted at r.Now and increments its version, all in one write that
	// is conditional on: the process exists, belongs to r.Tenant, is not redacted yet and is
	// within its retention at r.Now. It returns the process as written, or ErrConditionFailed
	// when a condition did not hold (the caller reads to learn which).
	RedactProcess(ctx context.Context, r RedactRequest) (Process, error)
}

// Redact removes a verification's personal data and keeps what an audit needs: the id, the
// tenant, the flow, the states (ours and Unico's), the decision with its reasons and every
// timestamp. What goes:
//
//   - the CPF's keyed hash and its masked form;
//   - the reason of a person's review (review.go), free text that may name the person; the
//     review's outcome, reviewer and time stay, and the process leaves the review queue;
//   - the client reference: it is free text chosen by the app backend, which may well hold a
//     customer number, an e-mail or a CPF, and the gateway cannot tell, so it is treated as
//     personal. A redacted process is therefore no longer found by the clientReference filter
//     of the list; its id still finds it.
//
// Names, phones, e-mails, selfies, documents and PDFs are never stored, so there is nothing
// else to remove. After a redaction the gateway no longer asks Unico about the process: a read
// answers from the store (redacted: true, source: store), webhooks for it are ignored, and it
// leaves the store's list of open processes. Every other writer must leave a redacted process
// alone too (check Process.Redacted); a writer that read it before the redaction loses its
// conditional write, since the redaction increments the version.
//
// Redact is idempotent (redacting a redacted process answers the same view) and tenant-scoped:
// another tenant's process, an unknown id and a process past its retention are all 404. The
// happy path is one conditional write; a refused write is followed by one read to tell a
// repeated redaction (200) from the rest (404).
func (s *Service) Redact(ctx context.Context, tenant, id string) (ProcessView, error) {
	if !validID(id) {
		return ProcessView{}, ErrNotFound
	}
	red, ok := s.store.(ProcessRedactor)
	if !ok {
		return ProcessView{}, &Error{Kind: KindInternal, Code: "redaction_unsupported", Message: "Internal error.",
			Err: errors.New("the process store cannot redact")}
	}
	now := s.cfg.Now()
	p, err := red.RedactProcess(ctx, RedactRequest{Tenant: tenant, ID: id, Now: now})
	if err == nil {
		s.cfg.Log.InfoContext(ctx, "process redacted", slog.String("processId", id))
		return storedView(p), nil
	}
	if !errors.Is(err, ErrConditionFailed) {
		return ProcessView{}, err
	}
	p, err = s.store.GetProcess(ctx, id)
	if err != nil {
		return ProcessView{}, err
	}
	if !p.Visible(tenant, now) || !p.Redacted {
		// Another tenant's, past its retention, or (impossible after a refused write, unless
		// the item changed shape) not redacted: the caller sees nothing.
		return ProcessView{}, ErrNotFound
	}
	return storedView(p), nil
}
