package domain

// Integration "by Client" (Unico's API contract, reference §4): the app captures the selfie with
// Unico's SDK and sends its encrypted JWT; the gateway submits it to POST /processes/v1 with the
// APIKEY of the chosen capability set and answers with Unico's synchronous result, decided.
//
// The selfie JWT (and any reference image or document file) is passed through opaque and whole:
// it is never stored, never logged, never part of an error or of the idempotency record (the
// record keeps the SHA-256 of the body as its fingerprint and the answer, which holds no selfie).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/unicogw/gateway/shared/unico"
)

// Capability sets a by-Client create may ask for (each is one APIKEY at Unico).
var clientCapabilities = []string{
	unico.CapabilityLiveness, unico.CapabilityIdentity, unico.CapabilityRiskScore, unico.CapabilityOneToOne, unico.CapabilityDocuments,
}

// Unico's documented rule for a document process: the biometric process must have identity
// "yes" or a risk score of at least +50, and have finished within 24 hours.
const (
	documentAuthMinScore = 50
	documentAuthWindow   = 24 * time.Hour
)

// Reason codes of by-Client decisions (in addition to decide.go's).
const (
	ReasonUnicoProcessing    = "unico_processing"
	ReasonDocumentProcessing = "document_processing"
	ReasonDocumentProcessed  = "document_processed"
	ReasonDocumentMissing    = "document_result_missing"
)

// ReferenceInput is one reference of a 1:1 validation, in Unico's words:
// {"referenceType": "REFERENCE_TYPE_PROCESS_ID" | "REFERENCE_TYPE_IMAGE_BASE64", "referenceContent": ...}.
type ReferenceInput struct {
	ReferenceType    string `json:"referenceType"`
	ReferenceContent string `json:"referenceContent"`
}

// DocumentInput is document{} of a document process: new captures (files, front and/or back) or
// the id of a reusable document, tied to a qualifying biometric process (authProcessId).
type DocumentInput struct {
	Purpose       string              `json:"purpose"`
	AuthProcessID string              `json:"authProcessId"`
	Files         []DocumentFileInput `json:"files,omitempty"`
	DocumentID    string              `json:"documentId,omitempty"`
}

// DocumentFileInput is one document image: base64 (PNG, JPEG, WebP) or the SDK's document JWT.
type DocumentFileInput struct {
	Data string `json:"data"`
}

// String hides everything a create request carries about a person (selfie, documents, CPF, name).
func (r CreateRequest) String() string {
	return fmt.Sprintf("domain.CreateRequest{integration:%s flow:%s capability:%s person:%t selfie:%t references:%d document:%t}",
		safeEnum(string(r.Integration)), safeEnum(r.Flow), safeEnum(r.Capability), r.Person != nil, r.Selfie != "", len(r.References), r.Document != nil)
}

// GoString is String.
func (r CreateRequest) GoString() string { return r.String() }

// LogValue logs the shape only.
func (r CreateRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("integration", safeEnum(string(r.Integration))), slog.String("flow", safeEnum(r.Flow)),
		slog.String("capability", safeEnum(r.Capability)), slog.Bool("selfie", r.Selfie != ""))
}

// createByClient validates the request, takes the Idempotency-Key, (for documents) checks the
// biometric process, calls Unico once and records the process together with the key's answer.
func (s *Service) createByClient(ctx context.Context, in CreateInput) (CreateResult, bool, error) {
	capability, req, cpf, err := clientRequest(in.Request)
	if err != nil {
		return CreateResult{}, false, err
	}
	if s.client == nil {
		return CreateResult{}, false, &Error{Kind: KindUnavailable, Code: "by_client_not_configured", Message: "This gateway is not configured for the by-Client integration."}
	}
	now := s.cfg.Now()
	hashKey, stored, err := s.beginCreate(ctx, in, cpf, now)
	if err != nil || stored != nil {
		return stored.result(err)
	}
	var cpfHash string
	if cpf != "" {
		cpfHash = HashCPF(hashKey, cpf)
	}
	if capability == unico.CapabilityDocuments {
		if err := s.checkAuthProcess(ctx, in.Tenant, strings.ToLower(req.Document.AuthProcessID), cpfHash, now); err != nil {
			return CreateResult{}, false, s.unicoCreateFailed(ctx, in, err)
		}
	}

	cp, err := s.client.CreateClientProcess(ctx, capability, req)
	if err != nil {
		return CreateResult{}, false, s.unicoCreateFailed(ctx, in, clientUnicoError(err))
	}
	if !validID(cp.ID) {
		// Unico answered without a usable id: the selfie is probably spent and nothing can be
		// recorded. Keep the answer for the key so that a retry does not spend another call.
		e := &Error{Kind: KindBadGateway, Code: "unico_unexpected_answer", Message: "Unico answered without a process id."}
		s.completeWithError(ctx, in, e)
		return CreateResult{}, false, e
	}
	p := Process{
		ID: cp.ID, Tenant: in.Tenant, Integration: ByClient, Flow: capability,
		ClientReference: in.Request.ClientReference, CreatedAt: now, UpdatedAt: now,
		RetainUntil: now.Add(s.cfg.Retention), Version: 1,
	}
	if cpf != "" {
		p.CPFHash, p.CPFMasked = cpfHash, MaskCPF(cpf)
	}
	applyClient(&p, cp, s.cfg.MinRiskScore, now)
	// What is recorded is also what the create answers (and what its Idempotency-Key replays):
	// a document's OCR content and file links are never stored, so they come with a read.
	p.CheckedAt, p.Results = now, clientResults(cp).recordable()
	res := CreateResult{Process: resultsView(p, p.Results, SourceUnico)}
	body, _ := json.Marshal(res)
	done := &IdempotencyDone{Tenant: in.Tenant, Key: in.IdempotencyKey, Answer: StoredAnswer{Result: body}, KeepUntil: now.Add(s.cfg.IdempotencyTTL)}
	if err := s.createProcess(settle(ctx), p, done); err != nil {
		// Unico ran the process (and spent the selfie) but we could not record it: keep the key
		// locked until it expires rather than invite a call that can only answer 10508.
		s.cfg.Log.ErrorContext(ctx, "by-Client process created at Unico but not recorded", slog.String("processId", p.ID), slog.Any("err", err))
		return CreateResult{}, false, err
	}
	s.observeFinal(ctx, Process{}, p)
	s.cfg.Log.InfoContext(ctx, "by-Client process created", slog.String("processId", p.ID), slog.String("capability", capability),
		slog.Int("status", cp.Status), slog.String("outcome", string(p.Decision.Outcome)))
	return res, false, nil
}

func (s *Service) completeWithError(ctx context.Context, in CreateInput, e *Error) {
	now := s.cfg.Now()
	done := IdempotencyDone{Tenant: in.Tenant, Key: in.IdempotencyKey, KeepUntil: now.Add(s.cfg.IdempotencyTTL),
		Answer: StoredAnswer{ErrKind: e.Kind, ErrCode: e.Code, ErrMessage: e.Message}}
	if err := s.idem.CompleteIdempotent(settle(ctx), done); err != nil {
		s.cfg.Log.WarnContext(ctx, "could not record the failed create", slog.Any("err", err))
	}
}

// clientRequest validates a by-Client create and builds Unico's request. It returns the capability
// set and the CPF digits ("" when no person was sent). Every rule Unico documents is checked here,
// so that a bad body never spends the (single-use) selfie or a billed call.
func clientRequest(in CreateRequest) (string, unico.ClientProcessRequest, string, error) {
	var out unico.ClientProcessRequest
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"flow", in.Flow != ""}, {"purpose", in.Purpose != ""}, {"callbackUri", in.CallbackURI != ""},
		{"expiresInSeconds", in.ExpiresInSeconds != 0}, {"companyBranchId", in.CompanyBranchID != ""},
		{"bioTokenId", in.BioTokenID != ""}, {"backCamera", in.BackCamera != nil}, {"signatureDocuments", len(in.SignatureDocuments) > 0},
		{"person.notifications", in.Person != nil && len(in.Person.Notifications) > 0},
	} {
		if f.set {
			return "", out, "", invalid("field_not_allowed", "%s is not accepted with integration by_client.", f.name)
		}
	}
	capability := strings.TrimSpace(in.Capability)
	if capability == "" {
		return "", out, "", invalid("capability_required", "capability is required with integration by_client: one of %s.", strings.Join(clientCapabilities, ", "))
	}
	known := false
	for _, c := range clientCapabilities {
		if c == capability {
			known = true
		}
	}
	if !known {
		return "", out, "", invalid("invalid_capability", "capability must be one of %s.", strings.Join(clientCapabilities, ", "))
	}
	documents := capability == unico.CapabilityDocuments

	if len(in.ClientReference) > 256 || strings.ContainsAny(in.ClientReference, " \t\r\n") {
		return "", out, "", invalid("invalid_client_reference", "clientReference must be at most 256 characters with no spaces.")
	}
	if in.SubsidiaryID != "" && !validID(in.SubsidiaryID) {
		return "", out, "", invalid("invalid_subsidiary_id", "subsidiaryId must be a UUID (the branch id Unico gave you).")
	}
	out.SubsidiaryID = in.SubsidiaryID
	if in.UseCase != "" {
		if documents {
			return "", out, "", invalid("field_not_allowed", "useCase is not accepted by document processes.")
		}
		if len(in.UseCase) > 256 || !printable(in.UseCase) {
			return "", out, "", invalid("invalid_use_case", "useCase must be at most 256 printable characters.")
		}
		out.UseCase = in.UseCase
	}

	// The person (Unico's subject).
	needPerson := capability != unico.CapabilityLiveness
	needName := capability == unico.CapabilityIdentity || capability == unico.CapabilityRiskScore || capability == unico.CapabilityOneToOne
	var cpf string
	if in.Person == nil {
		if needPerson {
			return "", out, "", invalid("person_required", "person with cpf is required for capability %s.", capability)
		}
	} else {
		sub, digits, err := clientSubject(*in.Person, needName)
		if err != nil {
			return "", out, "", err
		}
		sub.ClientReference = in.ClientReference
		if documents {
			sub.DUIType = unico.DUITypeBRCPF
		}
		out.Subject, cpf = sub, digits
	}

	// The selfie: opaque, passed through whole.
	if documents {
		if in.Selfie != "" {
			return "", out, "", invalid("field_not_allowed", "selfie is not accepted by document processes (send document.files).")
		}
	} else {
		if strings.TrimSpace(in.Selfie) == "" {
			return "", out, "", invalid("selfie_required", "selfie (the encrypted capture returned by Unico's SDK) is required for capability %s.", capability)
		}
		out.ImageBase64 = in.Selfie
	}

	// 1:1 references.
	hasRef := in.ReferenceProcessID != "" || len(in.References) > 0
	if capability != unico.CapabilityOneToOne {
		if hasRef {
			return "", out, "", invalid("field_not_allowed", "referenceProcessId and references are only accepted by capability oneToOne.")
		}
	} else {
		refs, err := clientReferences(in)
		if err != nil {
			return "", out, "", err
		}
		out.ReferenceProcessID, out.References = strings.ToLower(in.ReferenceProcessID), refs
	}

	// Document processes.
	if !documents {
		if in.Document != nil {
			return "", out, "", invalid("field_not_allowed", "document is only accepted by capability documents.")
		}
		return capability, out, cpf, nil
	}
	doc, err := clientDocument(in.Document)
	if err != nil {
		return "", out, "", err
	}
	out.Document = doc
	return capability, out, cpf, nil
}

func clientSubject(in PersonInput, needName bool) (unico.Subject, string, error) {
	digits := NormalizeCPF(in.CPF)
	if strings.TrimSpace(in.CPF) == "" {
		return unico.Subject{}, "", invalid("cpf_required", "person.cpf is required.")
	}
	if digits == "" || !ValidCPF(digits) {
		return unico.Subject{}, "", invalid("invalid_cpf", "person.cpf is not a valid CPF.")
	}
	sub := unico.Subject{Code: digits}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "" && needName:
		return unico.Subject{}, "", invalid("name_required", "person.name is required for this capability.")
	case strings.Contains(name, "  "):
		return unico.Subject{}, "", invalid("invalid_name", "person.name cannot contain two consecutive spaces.")
	case !printable(name) || len(name) > 200:
		return unico.Subject{}, "", invalid("invalid_name", "person.name must be at most 200 printable characters.")
	}
	sub.Name = name
	if e := strings.TrimSpace(in.Email); e != "" {
		if !plausibleEmail(e) {
			return unico.Subject{}, "", invalid("invalid_email", "person.email is not an e-mail address.")
		}
		sub.Email = e
	}
	if in.Phone != "" {
		phone := digitsOnly(in.Phone)
		if len(phone) < 12 || len(phone) > 13 {
			return unico.Subject{}, "", invalid("invalid_phone", "person.phone must be country code, area code and number: 12 or 13 digits such as 5511900000000.")
		}
		sub.Phone = phone
	}
	if in.Gender != "" {
		g := strings.ToUpper(strings.TrimSpace(in.Gender))
		if g != "M" && g != "F" {
			return unico.Subject{}, "", invalid("invalid_gender", "person.gender must be M or F.")
		}
		sub.Gender = g
	}
	if in.BirthDate != "" {
		t, err := time.Parse("2006-01-02", in.BirthDate)
		if err != nil || t.Year() < 1900 || t.After(time.Now()) {
			return unico.Subject{}, "", invalid("invalid_birth_date", "person.birthDate must be a past date as YYYY-MM-DD.")
		}
		sub.BirthDate = in.BirthDate
	}
	return sub, digits, nil
}

func clientReferences(in CreateRequest) ([]unico.Reference, error) {
	switch {
	case in.ReferenceProcessID == "" && len(in.References) == 0:
		return nil, invalid("reference_required", "capability oneToOne needs references (or the deprecated referenceProcessId): the process or image the selfie is compared with.")
	case in.ReferenceProcessID != "" && len(in.References) > 0:
		return nil, invalid("invalid_reference", "Send references or referenceProcessId, not both.")
	case in.ReferenceProcessID != "" && !validID(in.ReferenceProcessID):
		return nil, invalid("invalid_reference", "referenceProcessId must be a process id (UUID).")
	case len(in.References) > 10:
		return nil, invalid("invalid_reference", "At most 10 references are accepted.")
	}
	var out []unico.Reference
	for i, r := range in.References {
		switch unico.ReferenceType(r.ReferenceType) {
		case unico.ReferenceTypeProcessID:
			if !validID(r.ReferenceContent) {
				return nil, invalid("invalid_reference", "references[%d].referenceContent must be a process id (UUID).", i)
			}
			out = append(out, unico.Reference{ReferenceType: unico.ReferenceTypeProcessID, ReferenceContent: strings.ToLower(r.ReferenceContent)})
		case unico.ReferenceTypeImageBase64:
			if r.ReferenceContent == "" || !validBase64(r.ReferenceContent) {
				return nil, invalid("invalid_reference", "references[%d].referenceContent must be a base64 image.", i)
			}
			out = append(out, unico.Reference{ReferenceType: unico.ReferenceTypeImageBase64, ReferenceContent: r.ReferenceContent})
		default:
			return nil, invalid("invalid_reference", "references[%d].referenceType must be REFERENCE_TYPE_PROCESS_ID or REFERENCE_TYPE_IMAGE_BASE64.", i)
		}
	}
	return out, nil
}

func clientDocument(d *DocumentInput) (*unico.DocumentRequest, error) {
	if d == nil {
		return nil, invalid("document_required", "document (purpose, authProcessId, and files or documentId) is required for capability documents.")
	}
	purpose := unico.DocumentPurpose(strings.ToLower(strings.TrimSpace(d.Purpose)))
	if !purpose.Known() {
		return nil, invalid("invalid_document_purpose", "document.purpose must be one of creditprocess, carpurchase, paybypaycheck, onboarding, fgts.")
	}
	switch {
	case d.AuthProcessID == "":
		return nil, invalid("auth_process_id_required", "document.authProcessId (the id of a qualifying biometric process) is required.")
	case !validID(d.AuthProcessID):
		return nil, invalid("invalid_auth_process_id", "document.authProcessId must be a process id (UUID).")
	case (len(d.Files) == 0) == (d.DocumentID == ""):
		return nil, invalid("document_source_required", "Send document.files (a new capture) or document.documentId (a reusable document), not both.")
	case len(d.Files) > 2:
		return nil, invalid("too_many_document_files", "document.files holds at most two images (front and back).")
	case d.DocumentID != "" && !validID(d.DocumentID):
		return nil, invalid("invalid_document_id", "document.documentId must be an id from GET /v1/documents.")
	}
	out := &unico.DocumentRequest{Purpose: purpose, AuthProcessID: strings.ToLower(d.AuthProcessID), DocumentID: strings.ToLower(d.DocumentID)}
	for i, f := range d.Files {
		if strings.TrimSpace(f.Data) == "" {
			return nil, invalid("invalid_document_file", "document.files[%d].data is empty.", i)
		}
		out.Files = append(out.Files, unico.DocumentFile{Data: f.Data})
	}
	return out, nil
}

// rejectClientFields keeps by-Client fields out of a by-Unico create (they would be ignored).
func rejectClientFields(in CreateRequest) error {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"capability", in.Capability != ""}, {"selfie", in.Selfie != ""}, {"subsidiaryId", in.SubsidiaryID != ""},
		{"referenceProcessId", in.ReferenceProcessID != ""}, {"references", len(in.References) > 0}, {"document", in.Document != nil},
		{"person.gender", in.Person != nil && in.Person.Gender != ""}, {"person.birthDate", in.Person != nil && in.Person.BirthDate != ""},
	} {
		if f.set {
			return invalid("field_not_allowed", "%s is only accepted with integration by_client.", f.name)
		}
	}
	return nil
}

// checkAuthProcess applies the document prerequisites before Unico is called: the biometric
// process must be this tenant's by-Client identity process for the same CPF, finished within 24
// hours with identity "yes" or a risk score of at least +50 (its recorded results: no Unico
// call). Every refusal is a 422 with a stable code.
func (s *Service) checkAuthProcess(ctx context.Context, tenant, id, cpfHash string, now time.Time) error {
	notQualified := func(code, msg string) error { return Errorf(KindUnprocessable, code, "%s", msg) }
	p, err := s.store.GetProcess(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !p.Visible(tenant, now)) {
		return notQualified("auth_process_not_found", "document.authProcessId is not one of your processes.")
	}
	if err != nil {
		return err
	}
	switch {
	case p.Integration != ByClient || (p.Flow != unico.CapabilityIdentity && p.Flow != unico.CapabilityRiskScore):
		return notQualified("auth_process_not_qualified", "document.authProcessId must be a by_client process with capability identity or riskScore.")
	case p.Redacted || p.CPFHash == "" || p.CPFHash != cpfHash:
		return notQualified("auth_process_cpf_mismatch", "document.authProcessId verified another person: person.cpf must be the same.")
	case p.State != StateFinished:
		return notQualified("auth_process_not_finished", "document.authProcessId has not finished with a result.")
	case p.FinishedAt.IsZero() || now.Sub(p.FinishedAt) > documentAuthWindow:
		return notQualified("auth_process_expired", "document.authProcessId finished more than 24 hours ago; run a new biometric process.")
	}
	r := p.Results
	if r == nil || r.Client == nil {
		// Recorded before results were: read them once (and record them).
		next, _, err := s.readFromUnico(ctx, p)
		if err != nil {
			return err
		}
		if rerr := s.reschedule(ctx, p, withResults(p, next)); rerr != nil && !errors.Is(rerr, ErrConditionFailed) {
			s.cfg.Log.WarnContext(ctx, "could not record the process results", slog.String("processId", p.ID), slog.Any("err", rerr))
		}
		r = next.Results
	}
	c := r.Client
	if c.Status != unico.ClientStatusCompleted {
		return notQualified("auth_process_not_finished", "document.authProcessId has not finished with a result.")
	}
	if c.Identity == "yes" || (c.RiskScore != nil && *c.RiskScore >= documentAuthMinScore) {
		return nil
	}
	return notQualified("auth_process_not_qualified", "document.authProcessId does not qualify: Unico needs an identity result \"yes\" or a risk score of at least +50.")
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func validBase64(s string) bool {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(s)
	return err == nil
}
