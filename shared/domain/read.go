package domain

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// Reads answer from the store (DESIGN: "Unico's budget is the system's scarce resource"). What
// Unico showed is recorded with the process whenever Unico is read (the create, the worker after
// a webhook, the sweeper, a read's refresh), in the same conditional write as the state, so:
//
//   - a final process is never read from Unico again (its recorded results are the answer);
//   - an open process is read from Unico at most once per ReadRefresh, whatever the number of
//     readers and containers: the reader that wins a conditional claim on the process's
//     checkedAt asks Unico, the others answer what is recorded;
//   - OCR content and fresh document links, which are personal or expire, are never recorded:
//     they come from Unico when the caller asks for them (ReadOptions.IncludeDocuments).

// DefaultReadRefresh is Config.ReadRefresh's default.
const DefaultReadRefresh = 5 * time.Second

// ReadOptions says what a read shows beyond what is recorded.
type ReadOptions struct {
	// IncludeDocuments reads the process from Unico for its on-request parts: the documents'
	// OCR content and download links (by Unico), clientResults.document's OCR content and
	// file links (by Client). Unico's 410 (its retention passed) is 410 artefact_expired.
	IncludeDocuments bool
}

// ProcessRefresher is implemented by a ProcessStore that can claim a process's refresh: a
// conditional write of checkedAt alone (the version is not changed, so that no other writer
// loses its condition to a read).
type ProcessRefresher interface {
	// ClaimRefresh sets the process's checkedAt to now if the stored version is p.Version and
	// the stored checkedAt is p.CheckedAt (absent when zero); ErrConditionFailed otherwise.
	ClaimRefresh(ctx context.Context, p Process, now time.Time) error
}

// Get reads a process for its tenant: one store read, and a Unico read only when the process is
// open and due for a refresh, when it was recorded final before results were recorded, or when
// the caller asks for documents. When Unico is unreachable the recorded answer is returned.
func (s *Service) Get(ctx context.Context, tenant, id string, opt ReadOptions) (ProcessView, error) {
	if !validID(id) {
		return ProcessView{}, ErrNotFound
	}
	p, err := s.store.GetProcess(ctx, id)
	if err != nil {
		return ProcessView{}, err
	}
	now := s.cfg.Now()
	if !p.Visible(tenant, now) {
		return ProcessView{}, ErrNotFound
	}
	switch {
	case p.Redacted:
		if opt.IncludeDocuments {
			return ProcessView{}, Errorf(KindGone, CodeProcessRedacted, "The process was redacted; its documents are no longer served.")
		}
		return storedView(p), nil
	case opt.IncludeDocuments:
		if p.State.Final() && p.Results != nil && !p.Results.hasDocuments() {
			return storedView(p), nil // nothing on request to fetch
		}
		return s.readLive(ctx, p, true)
	case p.State.Final() && p.Results != nil:
		return storedView(p), nil
	case p.State.Final():
		return s.readLive(ctx, p, false) // recorded final before results were recorded
	case now.Sub(p.CheckedAt) < s.cfg.ReadRefresh:
		return storedView(p), nil
	}
	claimer, ok := s.store.(ProcessRefresher)
	if ok {
		err := claimer.ClaimRefresh(ctx, p, now)
		if errors.Is(err, ErrConditionFailed) {
			return storedView(p), nil // another read (or a writer) asked Unico meanwhile
		}
		if err != nil {
			s.cfg.Log.WarnContext(ctx, "could not claim the read refresh; answering from the store", slog.String("processId", id), slog.Any("err", err))
			return storedView(p), nil
		}
		p.CheckedAt = now
	}
	return s.readLive(ctx, p, false)
}

// readLive reads p from Unico, records what changed and answers Unico's view. With include the
// answer has the on-request parts and Unico's refusals are the caller's errors; without it, a
// failed read answers what is recorded.
func (s *Service) readLive(ctx context.Context, p Process, include bool) (ProcessView, error) {
	next, live, err := s.readFromUnico(ctx, p)
	if err == nil && include && p.Integration == ByClient && p.State.Final() &&
		live.Client.Status == unico.ClientStatusError && p.UnicoState != strconv.Itoa(unico.ClientStatusError) {
		// Unico answers a process past its retention with 410 and status 5 (reference §4):
		// the recorded result stands, the documents are gone.
		err = Errorf(KindGone, CodeArtefactExpired, "Unico no longer keeps the documents of this process (retention passed).")
	}
	if err != nil {
		e := readError(p, err)
		if include {
			if e.Kind == KindGone && e.Code != CodeArtefactExpired {
				e = &Error{Kind: KindGone, Code: CodeArtefactExpired, Message: "Unico no longer keeps the documents of this process (retention passed).", Err: err}
			}
			return ProcessView{}, e
		}
		s.cfg.Log.WarnContext(ctx, "unico read failed; answering from the store", slog.String("processId", p.ID), slog.String("code", e.Code))
		return storedView(p), nil
	}
	if p.State.Final() {
		// A final process's state and decision stand (a later answer, e.g. Unico's 410 after
		// its retention, does not replace them); only missing results are recorded.
		if p.Results == nil {
			rec := withResults(p, next)
			if err := s.reschedule(ctx, p, rec); err != nil && !errors.Is(err, ErrConditionFailed) {
				s.cfg.Log.WarnContext(ctx, "could not record the process results", slog.String("processId", p.ID), slog.Any("err", err))
			}
			p = rec
		}
		return resultsView(p, s.shown(p, live, include), SourceUnico), nil
	}
	if changed(p, next) || !sameResults(p.Results, next.Results) {
		err := s.advance(ctx, p, &next)
		switch {
		case errors.Is(err, ErrConditionFailed):
			// The worker, the sweeper or another read recorded first: answer what is stored
			// (the same or a later state), with Unico's answer on top, so that the answer
			// agrees with the store. The same for both integrations.
			if cur, rerr := s.store.GetProcess(ctx, p.ID); rerr == nil {
				return resultsView(cur, s.shown(cur, live, include), SourceUnico), nil
			}
		case err != nil:
			s.cfg.Log.WarnContext(ctx, "could not record the process state", slog.String("processId", p.ID), slog.Any("err", err))
		}
	}
	return resultsView(next, s.shown(next, live, include), SourceUnico), nil
}

// shown is what an answer shows of Unico's live results: whole with the include, else what
// may be recorded (so that a live read and a stored one are the same answer).
func (s *Service) shown(p Process, live *Results, include bool) *Results {
	if include {
		return live
	}
	if p.Results != nil && p.State.Final() {
		return p.Results
	}
	return live.recordable()
}

// readFromUnico reads a process from Unico (by Unico: GetProcess; by Client: GET
// /processes/v1/{id}) and returns it with what Unico says applied (state, result, decision,
// expiry, the recordable results and checkedAt), and Unico's whole answer. The one place that
// knows which Unico API a process lives in; reads, the worker and the sweeper all use it.
//
// The by-Client v1 read is deliberate: v2 adds processAdditionalInfo, whose personName,
// personDocument and personImage (the face) are personal data the caller already has, and its
// transactionId and finishedAt add nothing the view lacks; so the gateway never asks for v2 and
// never moves the person's image. Unico's 410 with status 5 arrives as a status-5 result.
func (s *Service) readFromUnico(ctx context.Context, p Process) (Process, *Results, error) {
	next := p
	var live *Results
	if p.Integration == ByClient {
		if s.client == nil {
			return Process{}, nil, errByClientNotConfigured()
		}
		cp, err := s.client.GetClientProcess(ctx, p.Flow, p.ID, false)
		if err != nil {
			return Process{}, nil, clientUnicoError(err)
		}
		if cp.ID != "" && !strings.EqualFold(cp.ID, p.ID) {
			s.cfg.Log.WarnContext(ctx, "Unico answered with another process id", slog.String("processId", p.ID))
		}
		applyClient(&next, cp, s.cfg.MinRiskScore, s.cfg.Now())
		live = clientResults(cp)
	} else {
		up, err := s.hosted.GetProcess(ctx, p.ID)
		if err != nil {
			return Process{}, nil, err
		}
		s.logUnknown(ctx, p.ID, up)
		applyHosted(&next, up, s.cfg.MinRiskScore)
		live = hostedResults(up)
	}
	next.Results, next.CheckedAt = live.recordable(), s.cfg.Now()
	return next, live, nil
}

// withResults is p (final, its state and decision standing) with the results and checkedAt of
// a later read next.
func withResults(p, next Process) Process {
	p.Results, p.CheckedAt = next.Results, next.CheckedAt
	return p
}

// readError is the domain error of a failed Unico read of p.
func readError(p Process, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if p.Integration == ByClient {
		return clientUnicoError(err)
	}
	return unicoError(err)
}

func errByClientNotConfigured() *Error {
	return &Error{Kind: KindUnavailable, Code: "by_client_not_configured", Message: "This gateway is not configured for the by-Client integration."}
}

// hasDocuments reports whether the recorded results name documents whose content is on request.
func (r *Results) hasDocuments() bool {
	return len(r.Documents) > 0 || (r.Client != nil && r.Client.Document != nil)
}

// sameResults compares two recordable results by their recorded form.
func sameResults(a, b *Results) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	if a == nil {
		return true
	}
	return a.key() == b.key()
}

func (r *Results) key() string {
	b, _ := json.Marshal(r)
	return string(b)
}
