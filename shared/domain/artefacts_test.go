package domain

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// Unit tests of the artefact and set-document rules with in-memory ports; the behaviour through
// DynamoDB Local and the simulator is tested in local/devstack/byunico_test.go.

type memStore struct{ procs map[string]Process }

func (m *memStore) GetProcess(_ context.Context, id string) (Process, error) {
	p, ok := m.procs[id]
	if !ok {
		return Process{}, ErrNotFound
	}
	return p, nil
}

func (m *memStore) CreateProcess(_ context.Context, p Process, _ *IdempotencyDone) error {
	m.procs[p.ID] = p
	return nil
}

func (m *memStore) UpdateProcess(_ context.Context, next Process, prev int64) error {
	cur, ok := m.procs[next.ID]
	if !ok || cur.Version != prev || next.State.Rank() < cur.State.Rank() {
		return ErrConditionFailed
	}
	m.procs[next.ID] = next
	return nil
}

type fakeHosted struct {
	process  unico.Process
	err      error // returned by the artefact and document calls
	calls    []string
	setType  unico.DUIType
	setValue string
	artefact unico.Artefact
	getErr   error
}

func (f *fakeHosted) CreateProcess(context.Context, unico.CreateProcessRequest) (unico.Process, error) {
	return unico.Process{}, errors.New("unused")
}

func (f *fakeHosted) GetProcess(context.Context, string) (unico.Process, error) {
	return f.process, f.getErr
}

func (f *fakeHosted) file(op string) (unico.Artefact, error) {
	f.calls = append(f.calls, op)
	return f.artefact, f.err
}

func (f *fakeHosted) GetSelfie(_ context.Context, _ string, raw bool) (unico.Artefact, error) {
	if raw {
		return f.file("selfie-raw")
	}
	return f.file("selfie")
}

func (f *fakeHosted) GetEvidenceSet(context.Context, string) (unico.Artefact, error) {
	return f.file("evidence")
}

func (f *fakeHosted) GetSignedDocument(_ context.Context, d string) (unico.Artefact, error) {
	return f.file("signed:" + d)
}

func (f *fakeHosted) GetSignatureEvidence(_ context.Context, d string) (unico.Artefact, error) {
	return f.file("evidence:" + d)
}

func (f *fakeHosted) SetProcessDocument(_ context.Context, _ string, t unico.DUIType, v string) (unico.Process, error) {
	f.calls = append(f.calls, "set")
	f.setType, f.setValue = t, v
	return unico.Process{}, f.err
}

type fixedKey struct{}

func (fixedKey) CPFHashKey(context.Context) ([]byte, error) { return []byte("k"), nil }

const (
	pid  = "11111111-2222-4333-8444-555555555555"
	doc1 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
)

var now = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

func newArtefactService(p Process, h *fakeHosted) (*Service, *memStore) {
	st := &memStore{procs: map[string]Process{p.ID: p}}
	return NewService(Deps{Store: st, Hosted: h, Secrets: fixedKey{}}, Config{Now: func() time.Time { return now }}), st
}

func finishedProcess() Process {
	return Process{ID: pid, Tenant: "t1", Integration: ByUnico, Flow: "idsign", State: StateFinished, FinishedAt: now.Add(-time.Hour), Version: 3}
}

func TestArtefactScopeAndOwnership(t *testing.T) {
	h := &fakeHosted{artefact: unico.Artefact{ContentType: "application/pdf", Data: []byte("%PDF-1.4")},
		process: unico.Process{ID: pid, Services: []unico.Service{{EnvelopeID: "e", DocumentIDs: []string{doc1}}}}}
	svc, st := newArtefactService(finishedProcess(), h)
	ctx := context.Background()

	if _, err := svc.Selfie(ctx, "t2", pid, false); AsError(err).Code != CodeNotFound {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := svc.EvidenceSet(ctx, "t1", "../"+pid[3:]); AsError(err).Code != CodeNotFound {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := svc.SignedDocument(ctx, "t1", pid, "bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee"); AsError(err).Code != CodeDocumentNotInProcess {
		t.Fatalf("foreign document: %v", err)
	}
	if _, err := svc.SignatureEvidence(ctx, "t1", pid, "x/../y"); AsError(err).Code != CodeInvalidDocumentID {
		t.Fatalf("bad document id: %v", err)
	}
	if len(h.calls) != 0 {
		t.Fatalf("Unico file calls for refused requests: %v", h.calls)
	}
	a, err := svc.SignedDocument(ctx, "t1", pid, strings.ToUpper(doc1))
	if err != nil || string(a.Data) != "%PDF-1.4" {
		t.Fatalf("own document: %v %v", a, err)
	}
	if _, err := svc.Selfie(ctx, "t1", pid, true); err != nil || h.calls[len(h.calls)-1] != "selfie-raw" {
		t.Fatalf("raw selfie: %v %v", err, h.calls)
	}

	// By-Client processes have no Unico artefacts here; redacted ones serve none.
	p := finishedProcess()
	p.Integration = ByClient
	st.procs[pid] = p
	if _, err := svc.Selfie(ctx, "t1", pid, false); AsError(err).Code != CodeArtefactNotAvailable || AsError(err).Kind != KindNotFound {
		t.Fatalf("by client: %v", err)
	}
	p = finishedProcess()
	p.Redacted = true
	st.procs[pid] = p
	if _, err := svc.EvidenceSet(ctx, "t1", pid); AsError(err).Kind != KindGone || AsError(err).Code != CodeProcessRedacted {
		t.Fatalf("redacted: %v", err)
	}
	// Unico unreachable while checking the document: its error, not a 404.
	st.procs[pid] = finishedProcess()
	h.getErr = &unico.APIError{HTTPStatus: 503}
	if _, err := svc.SignedDocument(ctx, "t1", pid, doc1); AsError(err).Kind != KindUnavailable {
		t.Fatalf("GetProcess down: %v", err)
	}
}

func TestArtefactErrors(t *testing.T) {
	cases := []struct {
		name     string
		finished time.Duration // how long ago the process finished (0: not finished)
		err      error
		call     func(*Service) error
		kind     Kind
		code     string
	}{
		{"selfie 403", time.Hour, &unico.APIError{HTTPStatus: 403, Code: "7"}, selfie, KindForbidden, CodeSelfieNotPermitted},
		{"evidence 403", time.Hour, &unico.APIError{HTTPStatus: 403, Code: "7"}, evidence, KindForbidden, CodeArtefactNotPermitted},
		{"selfie 410", time.Hour, &unico.APIError{HTTPStatus: 410}, selfie, KindGone, CodeArtefactExpired},
		{"selfie 404 within 8 h", 7 * time.Hour, &unico.APIError{HTTPStatus: 404, Code: "5"}, selfie, KindNotFound, CodeArtefactNotFound},
		{"selfie 404 after 8 h", 9 * time.Hour, &unico.APIError{HTTPStatus: 404, Code: "5"}, selfie, KindGone, CodeArtefactExpired},
		{"evidence 404 after 2 h", 3 * time.Hour, &unico.APIError{HTTPStatus: 404, Code: "5"}, evidence, KindGone, CodeArtefactExpired},
		{"evidence 404 not finished", 0, &unico.APIError{HTTPStatus: 404, Code: "5"}, evidence, KindNotFound, CodeArtefactNotFound},
		{"signed 404 long after", 100 * time.Hour, &unico.APIError{HTTPStatus: 404}, signed, KindNotFound, CodeArtefactNotFound},
		{"selfie 500", time.Hour, &unico.APIError{HTTPStatus: 500, Code: "99999"}, selfie, KindBadGateway, "unico_error"},
		{"selfie 429", time.Hour, &unico.APIError{HTTPStatus: 429, RetryAfter: 4 * time.Second}, selfie, KindTooManyRequests, CodeUnicoRateLimited},
		{"selfie timeout", time.Hour, context.DeadlineExceeded, selfie, KindTimeout, CodeUnicoTimeout},
	}
	for _, c := range cases {
		p := finishedProcess()
		p.FinishedAt = time.Time{}
		if c.finished > 0 {
			p.FinishedAt = now.Add(-c.finished)
		}
		h := &fakeHosted{err: c.err, process: unico.Process{ID: pid, Services: []unico.Service{{DocumentIDs: []string{doc1}}}}}
		svc, _ := newArtefactService(p, h)
		err := c.call(svc)
		if e := AsError(err); e.Kind != c.kind || e.Code != c.code {
			t.Errorf("%s: got %v, want %d %s", c.name, err, c.kind, c.code)
		}
		if e := AsError(err); (c.kind == KindTooManyRequests || c.kind == KindBadGateway) && e.RetryAfter <= 0 {
			t.Errorf("%s: no Retry-After", c.name)
		}
	}
}

func selfie(s *Service) error {
	_, err := s.Selfie(context.Background(), "t1", pid, false)
	return err
}

func evidence(s *Service) error {
	_, err := s.EvidenceSet(context.Background(), "t1", pid)
	return err
}

func signed(s *Service) error {
	_, err := s.SignedDocument(context.Background(), "t1", pid, doc1)
	return err
}

func TestArtefactHidesBytes(t *testing.T) {
	a := unico.Artefact{ContentType: "image/jpeg", Data: []byte("FACE-BYTES-73689290074")}
	for _, s := range []string{a.String(), a.GoString(), a.LogValue().String()} {
		if strings.Contains(s, "FACE") || strings.Contains(s, "73689290074") {
			t.Fatalf("artefact printed its bytes: %s", s)
		}
	}
}

func TestSetDocument(t *testing.T) {
	ctx := context.Background()
	awaiting := Process{ID: pid, Tenant: "t1", Integration: ByUnico, Flow: "idunicodocs_r2", State: StateAwaitingDocument, Version: 1,
		Decision: Decision{Outcome: OutcomePending}}
	for _, c := range []struct {
		name string
		in   SetDocumentRequest
		code string
	}{
		{"bad cpf", SetDocumentRequest{"DUI_TYPE_BR_CPF", "736.892.900-75"}, "invalid_cpf"},
		{"unknown type", SetDocumentRequest{"DUI_TYPE_ZZ_EMAIL", "a@b.c"}, CodeInvalidDUIType},
		{"empty value", SetDocumentRequest{"DUI_TYPE_BR_CPF", " "}, "dui_value_required"},
		{"bad ssn", SetDocumentRequest{"DUI_TYPE_US_SSN", "12345678"}, CodeInvalidDUIValue},
		{"bad curp", SetDocumentRequest{"DUI_TYPE_MX_CURP", "ABC"}, CodeInvalidDUIValue},
	} {
		h := &fakeHosted{}
		svc, _ := newArtefactService(awaiting, h)
		if _, err := svc.SetDocument(ctx, "t1", pid, c.in); AsError(err).Code != c.code || AsError(err).Kind != KindInvalid {
			t.Errorf("%s: %v", c.name, err)
		} else if strings.Contains(AsError(err).Message, "73689290075") || len(h.calls) != 0 {
			t.Errorf("%s: echoed input or called Unico: %v", c.name, h.calls)
		}
	}

	h := &fakeHosted{}
	svc, st := newArtefactService(awaiting, h)
	v, err := svc.SetDocument(ctx, "t1", pid, SetDocumentRequest{"dui_type_br_cpf", "736.892.900-74"})
	if err != nil || v.State != StateCreated || v.CPFMasked != "***.***.***-74" || h.setType != unico.DUITypeBRCPF || h.setValue != "73689290074" {
		t.Fatalf("set: %+v %v %v", v, err, h)
	}
	stored := st.procs[pid]
	if stored.State != StateCreated || stored.CPFHash == "" || stored.Version != 2 || stored.Decision.Reasons[0].Code != ReasonAwaitingPerson {
		t.Fatalf("stored: %+v", stored)
	}
	if _, err := svc.SetDocument(ctx, "t1", pid, SetDocumentRequest{"DUI_TYPE_BR_CPF", "73689290074"}); AsError(err).Code != CodeNotAwaitingDocument || len(h.calls) != 1 {
		t.Fatalf("second set: %v %v", err, h.calls)
	}
	if _, err := svc.SetDocument(ctx, "t2", pid, SetDocumentRequest{"DUI_TYPE_US_SSN", "123-45-6789"}); AsError(err).Code != CodeNotFound {
		t.Fatalf("other tenant: %v", err)
	}

	// Unico refuses with FAILED_PRECONDITION: 409; with a 500: 502, and nothing is recorded.
	h = &fakeHosted{err: &unico.APIError{HTTPStatus: 400, Code: "9"}}
	svc, st = newArtefactService(awaiting, h)
	if _, err := svc.SetDocument(ctx, "t1", pid, SetDocumentRequest{"DUI_TYPE_MX_CURP", "gode561231hdfrrn09"}); AsError(err).Code != CodeNotAwaitingDocument || h.setValue != "GODE561231HDFRRN09" {
		t.Fatalf("code 9: %v", err)
	}
	h.err = &unico.APIError{HTTPStatus: 500}
	if _, err := svc.SetDocument(ctx, "t1", pid, SetDocumentRequest{"DUI_TYPE_US_SSN", "123-45-6789"}); AsError(err).Kind != KindBadGateway || st.procs[pid].Version != 1 {
		t.Fatalf("500: %v %+v", err, st.procs[pid])
	}
}

func TestNormalizeOCR(t *testing.T) {
	// Seed 001's document: numbers where strings are documented, an impossible date, CNH keys
	// under code RG (they land in Extra), snake_case keys.
	raw := `{"dataExpiracao":"2025-10-35T00:00:00Z","rgNumero":5478854,"cpfNumero":73689290074,"numero":85775532778,` +
		`"data_emissao":"2020-08-09T00:00:00Z","filiacao":["A","B"],"nested":{"n":1.5,"ok":true}}`
	o, err := unico.DecodeOCR("RG", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(normalizeOCR(o))
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	want := map[string]any{"dataExpiracao": "2025-10-35T00:00:00Z", "rgNumero": "5478854", "cpfNumero": "73689290074",
		"numero": "85775532778", "dataEmissao": "2020-08-09T00:00:00Z", "filiacao": []any{"A", "B"},
		"nested": map[string]any{"n": "1.5", "ok": "true"}}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	if string(wb) != string(gb) {
		t.Fatalf("normalised OCR:\n got %s\nwant %s", gb, wb)
	}
	// The decoded value itself is untouched (Raw kept for an exact round trip elsewhere).
	if len(o.Raw) == 0 {
		t.Fatal("normalizeOCR changed its argument")
	}
	// Content that is not an object passes through.
	s, _ := unico.DecodeOCR("CNH", []byte(`"text"`))
	if b, _ := json.Marshal(normalizeOCR(s)); string(b) != `"text"` {
		t.Fatalf("non-object content: %s", b)
	}
}

func TestUnicoErrorMapping(t *testing.T) {
	for _, c := range []struct {
		err        *unico.APIError
		create     bool
		kind       Kind
		code       string
		retryAfter bool
	}{
		{&unico.APIError{HTTPStatus: 400, Code: "3", Message: "invalid person 73689290074"}, false, KindInvalid, CodeUnicoRejected, false},
		{&unico.APIError{HTTPStatus: 400, Code: "0000"}, false, KindInvalid, CodeUnicoRejected, false},
		{&unico.APIError{HTTPStatus: 400, Code: "9"}, false, KindConflict, "unico_failed_precondition", false},
		{&unico.APIError{HTTPStatus: 400, Code: "9"}, true, KindBadGateway, "unico_account_not_configured", false},
		{&unico.APIError{HTTPStatus: 500, Code: "99999"}, false, KindBadGateway, "unico_error", true},
		{&unico.APIError{HTTPStatus: 502}, false, KindBadGateway, "unico_error", true},
		{&unico.APIError{HTTPStatus: 503}, false, KindUnavailable, CodeUnicoUnavailable, true},
		{&unico.APIError{HTTPStatus: 429}, false, KindTooManyRequests, CodeUnicoRateLimited, true},
	} {
		e := unicoError(c.err)
		if c.create {
			e = unicoCreateError(c.err)
		}
		if e.Kind != c.kind || e.Code != c.code || (e.RetryAfter > 0) != c.retryAfter {
			t.Errorf("%v (create %v): got %d %s %s", c.err, c.create, e.Kind, e.Code, e.RetryAfter)
		}
		if strings.Contains(e.Message, "73689290074") {
			t.Errorf("Unico's message passed on: %s", e.Message)
		}
		if c.err.Code != "" && c.kind != KindTooManyRequests && c.kind != KindUnavailable && !strings.Contains(e.Message, "Unico code "+c.err.Code) {
			t.Errorf("%v: message %q does not name Unico's code", c.err, e.Message)
		}
	}
}
