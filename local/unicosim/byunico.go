package unicosim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ---- model ----

type notification struct {
	NotificationChannel string `json:"notificationChannel"`
}

type personData struct {
	DuiType                string         `json:"duiType,omitempty"`
	DuiValue               string         `json:"duiValue,omitempty"`
	FriendlyName           string         `json:"friendlyName,omitempty"`
	Phone                  string         `json:"phone,omitempty"`
	Email                  string         `json:"email,omitempty"`
	PhoneCountryCodeAlpha3 string         `json:"phoneCountryCodeAlpha3,omitempty"`
	Notifications          []notification `json:"notifications,omitempty"`
}

type signDoc struct {
	id, name string
}

// process is a by-Unico process.
type process struct {
	id              string
	fi              flowInfo
	callbackURI     string
	purpose         string
	person          *personData
	companyBranchID string
	clientReference string
	bioTokenID      string
	useCase         string
	token           string
	life            time.Duration // requested expiresIn

	state, result                   string
	createdAt, expiresAt, finished  time.Time
	scenario                        string
	outcome                         unicoOutcome
	authID, docID, envelopeID       string
	signDocs                        []signDoc
	journeyVisited                  bool
	lastEvent, lastEventDescription string
}

func (p *process) cpf() string {
	if p.person == nil {
		return ""
	}
	return p.person.DuiValue
}

// defaultBranchID is companyData.branchId when the request names none.
const defaultBranchID = "5a62ee0b-2b78-493d-9ab7-72126798f00e"

// ---- errors ----

type grpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

func writeGRPCError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, grpcError{Code: code, Message: msg, Details: []any{}})
}

const (
	msgInvalidID       = "process id is invalid"
	msgNotFound        = "error getting process: rpc error: code = NotFound desc = process not found"
	msgInvalidDUI      = "idnsv2/GetPublicID request error: rpc error: code = InvalidArgument desc = invalid dui value"
	msgEmptyCallback   = `invalid callbackUri: unable to parse callbackUri: parse "": empty url, invalid callbackUri: url: `
	maxBodyBytes       = 32 << 20
	defaultExpiresIn   = 7 * 24 * time.Hour
	selfieRetention    = 8 * time.Hour
	evidenceRetention  = 2 * time.Hour
	signedURLLifetime  = 5 * time.Minute
	clientFileLifetime = 10 * time.Minute
)

var durationRE = regexp.MustCompile(`^([0-9]+)(\.[0-9]{1,9})?s$`)

// ---- CreateProcess ----

type createError struct{ msg string }

func (e createError) Error() string { return e.msg }

func badRequest(format string, a ...any) error { return createError{fmt.Sprintf(format, a...)} }

func (s *Simulator) handleCreateProcess(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		writeGRPCError(w, http.StatusBadRequest, 3, "unable to read body")
		return
	}
	p, err := s.parseCreate(body)
	if err != nil {
		writeGRPCError(w, http.StatusBadRequest, 3, err.Error())
		return
	}
	now := s.now()
	p.id = newUUID()
	p.token = randomToken(48)
	p.createdAt = now
	p.expiresAt = now.Add(p.life)
	p.state, p.result = stCreated, resUnspecified
	if p.fi.custom && p.cpf() == "" {
		p.state = stAwaitingDocument
	}
	s.mu.Lock()
	s.processes[p.id] = p
	out := s.renderProcessLocked(p, baseURL(r))
	s.mu.Unlock()
	writeRawJSON(w, http.StatusOK, out)
}

// parseCreate validates a CreateProcess body like §3.1 / §3.7.
func (s *Simulator) parseCreate(body []byte) (*process, error) {
	top, err := decodeProtoObject(body, "", "callbackUri", "flow", "purpose", "person", "expiresIn",
		"companyBranchId", "clientReference", "bioTokenId", "useCase", "flowConfig", "payload")
	if err != nil {
		return nil, err
	}
	p := &process{}
	var flow, expiresIn string
	if err := top.strs(map[string]*string{
		"callbackUri": &p.callbackURI, "flow": &flow, "purpose": &p.purpose, "expiresIn": &expiresIn,
		"companyBranchId": &p.companyBranchID, "clientReference": &p.clientReference,
		"bioTokenId": &p.bioTokenID, "useCase": &p.useCase,
	}); err != nil {
		return nil, err
	}
	fi, ok := parseFlow(flow)
	if !ok {
		return nil, badRequest("invalid flow")
	}
	p.fi = fi
	if !validPurposes[p.purpose] {
		return nil, badRequest("invalid purpose")
	}
	if p.callbackURI == "" {
		return nil, badRequest(msgEmptyCallback)
	}
	if _, err := url.Parse(p.callbackURI); err != nil {
		return nil, badRequest("invalid callbackUri: unable to parse callbackUri: %v", err)
	}

	if top.has("person") {
		person, err := parsePerson(top)
		if err != nil {
			return nil, err
		}
		p.person = person
	}
	if p.person == nil || p.person.DuiValue == "" {
		if !fi.custom {
			if p.person == nil {
				return nil, badRequest("invalid person: person is required")
			}
			return nil, badRequest(msgInvalidDUI)
		}
	}

	life := defaultExpiresIn
	if expiresIn != "" {
		m := durationRE.FindStringSubmatch(expiresIn)
		if m == nil {
			return nil, badRequest("invalid expiresIn: must be seconds with an \"s\" suffix, e.g. \"3600s\"")
		}
		secs, _ := strconv.ParseInt(m[1], 10, 64)
		if secs <= 0 {
			return nil, badRequest("invalid expiresIn: must be positive")
		}
		life = time.Duration(secs) * time.Second
	}
	p.life = life

	if top.has("flowConfig") {
		fc, err := top.object("flowConfig", "biometryCapture")
		if err != nil {
			return nil, err
		}
		if fc.has("biometryCapture") {
			bc, err := fc.object("biometryCapture", "enabledBackCamera")
			if err != nil {
				return nil, err
			}
			if _, err := bc.boolean("enabledBackCamera"); err != nil {
				return nil, err
			}
		}
	}

	payload, err := top.array("payload")
	if err != nil {
		return nil, err
	}
	if fi.sign {
		if p.person != nil && p.person.Email == "" {
			// developer.unico.io: email is "Required for flows with Electronic Signature".
			return nil, badRequest("invalid person: email required for electronic signature flows")
		}
		docs, err := parseSignPayload(payload)
		if err != nil {
			return nil, err
		}
		p.signDocs = docs
	} else if len(payload) > 0 {
		if _, err := parseSignPayload(payload); err != nil {
			return nil, err
		}
	}
	if fi.token {
		if p.bioTokenID == "" {
			return nil, badRequest("invalid bioTokenId: bioTokenId is required for flow %s", flow)
		}
		if !isUUID(p.bioTokenID) {
			return nil, badRequest("invalid bioTokenId: must be a uuid")
		}
		s.mu.Lock()
		ref := s.processes[strings.ToLower(p.bioTokenID)]
		refOK := ref == nil || (ref.state == stFinished && ref.result == resOK)
		s.mu.Unlock()
		if !refOK {
			return nil, badRequest("invalid bioTokenId: the reference process has not finished successfully")
		}
	}
	if fi.smart {
		if p.useCase == "" {
			return nil, badRequest("invalid useCase: useCase is required for flow idsmart")
		}
		if !strings.HasPrefix(p.useCase, "USE_CASE_") {
			return nil, badRequest("invalid useCase")
		}
	}
	if p.companyBranchID != "" && !isUUID(p.companyBranchID) {
		return nil, badRequest("invalid companyBranchId")
	}
	if len(p.clientReference) > 256 || strings.ContainsAny(p.clientReference, " \t\r\n") {
		return nil, badRequest("invalid clientReference: at most 256 characters, no spaces")
	}
	return p, nil
}

func parsePerson(top *protoObject) (*personData, error) {
	po, err := top.object("person", "duiType", "duiValue", "friendlyName", "phone", "email", "notifications", "phoneCountryCodeAlpha3")
	if err != nil {
		return nil, err
	}
	pd := &personData{}
	if err := po.strs(map[string]*string{
		"duiType": &pd.DuiType, "duiValue": &pd.DuiValue, "friendlyName": &pd.FriendlyName,
		"phone": &pd.Phone, "email": &pd.Email, "phoneCountryCodeAlpha3": &pd.PhoneCountryCodeAlpha3,
	}); err != nil {
		return nil, err
	}
	if len([]rune(pd.FriendlyName)) > 50 {
		return nil, badRequest("invalid person: friendly name exceeds 50 characters.")
	}
	notes, err := po.array("notifications")
	if err != nil {
		return nil, err
	}
	for i, n := range notes {
		no, err := decodeProtoObject(n, fmt.Sprintf("person.notifications[%d].", i), "notificationChannel")
		if err != nil {
			return nil, err
		}
		ch, err := no.str("notificationChannel")
		if err != nil {
			return nil, err
		}
		if !validChannels[ch] {
			return nil, badRequest("invalid person: invalid notification channel %q", ch)
		}
		pd.Notifications = append(pd.Notifications, notification{ch})
		switch ch {
		case "NOTIFICATION_CHANNEL_EMAIL":
			if pd.Email == "" {
				return nil, badRequest("invalid person: email required for notification channel %s", ch)
			}
			if a, err := mail.ParseAddress(pd.Email); err != nil || a.Address != pd.Email {
				return nil, badRequest("invalid person: invalid email address for notification channel %s", ch)
			}
		default:
			if pd.Phone == "" {
				return nil, badRequest("invalid person: phone number required for notification channel %s", ch)
			}
			if len(pd.Phone) != 13 || strings.Trim(pd.Phone, "0123456789") != "" {
				return nil, badRequest("invalid person: phone number does not contain 13 chars for notification channel %s", ch)
			}
		}
	}
	if pd.DuiValue != "" || pd.DuiType != "" {
		if !validDuiTypes[pd.DuiType] {
			return nil, badRequest("invalid person: invalid dui type %q", pd.DuiType)
		}
		if pd.DuiType == "DUI_TYPE_BR_CPF" && !ValidCPF(pd.DuiValue) {
			return nil, badRequest(msgInvalidDUI)
		}
		if pd.DuiValue == "" {
			return nil, badRequest(msgInvalidDUI)
		}
	}
	return pd, nil
}

func parseSignPayload(payload []json.RawMessage) ([]signDoc, error) {
	if len(payload) == 0 {
		return nil, badRequest("invalid payload: payload is required for electronic signature flows")
	}
	var docs []signDoc
	for i, item := range payload {
		path := fmt.Sprintf("payload[%d].", i)
		itemObj, err := decodeProtoObject(item, path, "envelopePayload")
		if err != nil {
			return nil, err
		}
		env, err := itemObj.object("envelopePayload", "documents")
		if err != nil {
			return nil, err
		}
		list, err := env.array("documents")
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, badRequest("invalid payload: %senvelopePayload.documents is required", path)
		}
		for j, d := range list {
			dp := fmt.Sprintf("%senvelopePayload.documents[%d].", path, j)
			do, err := decodeProtoObject(d, dp, "documentName", "fileContents")
			if err != nil {
				return nil, err
			}
			var name, contents string
			if err := do.strs(map[string]*string{"documentName": &name, "fileContents": &contents}); err != nil {
				return nil, err
			}
			if name == "" {
				return nil, badRequest("invalid payload: %sdocumentName is required", dp)
			}
			pdf, err := base64.StdEncoding.DecodeString(contents)
			if err != nil || len(pdf) == 0 {
				return nil, badRequest("invalid payload: %sfileContents must be the base64 of a PDF", dp)
			}
			if !strings.HasPrefix(string(pdf), "%PDF-") {
				return nil, badRequest("invalid payload: %sfileContents is not a PDF", dp)
			}
			docs = append(docs, signDoc{id: newUUID(), name: name})
		}
	}
	return docs, nil
}

// ---- GetProcess ----

func (s *Simulator) handleGetProcess(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	if raw, ok := s.raw[id]; ok {
		s.mu.Unlock()
		writeRawJSON(w, http.StatusOK, raw)
		return
	}
	if !isUUID(id) {
		s.mu.Unlock()
		writeGRPCError(w, http.StatusBadRequest, 3, msgInvalidID)
		return
	}
	p := s.processes[strings.ToLower(id)]
	if p == nil {
		s.mu.Unlock()
		writeGRPCError(w, http.StatusNotFound, 5, msgNotFound)
		return
	}
	expired := s.expireIfDueLocked(p)
	out := s.renderProcessLocked(p, baseURL(r))
	s.mu.Unlock()
	if expired {
		s.notifyAsync(p.id)
	}
	writeRawJSON(w, http.StatusOK, out)
}

// lookupForArtifact resolves {id} for the selfie/evidence/document endpoints, answering errors.
func (s *Simulator) lookupLocked(w http.ResponseWriter, id string) *process {
	if !isUUID(id) {
		writeGRPCError(w, http.StatusBadRequest, 3, msgInvalidID)
		return nil
	}
	p := s.processes[strings.ToLower(id)]
	if p == nil {
		writeGRPCError(w, http.StatusNotFound, 5, msgNotFound)
		return nil
	}
	return p
}

// ---- GetSelfie / GetEvidenceSet ----

func (s *Simulator) handleSelfie(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("raw") == "true"
	s.mu.Lock()
	p := s.lookupLocked(w, r.PathValue("id"))
	if p == nil {
		s.mu.Unlock()
		return
	}
	s.expireIfDueLocked(p)
	now := s.now()
	exists := p.state == stFinished && (p.result == resOK || p.result == resInvalidIdentity) && !p.fi.smart
	avail := exists && now.Before(p.finished.Add(selfieRetention))
	forbidden := p.outcome.selfieForbidden
	s.mu.Unlock()
	switch {
	case exists && !avail:
		writeRetentionPassed(w, "selfie")
	case !avail:
		// The selfie exists only for completed journeys, for 8 hours, never for idsmart.
		writeGRPCError(w, http.StatusNotFound, 5, "error getting selfie: rpc error: code = NotFound desc = selfie not found")
	case forbidden:
		writeGRPCError(w, http.StatusForbidden, 7, "no permission")
	default:
		writeJSON(w, http.StatusOK, fileJSON{FileContents: base64.StdEncoding.EncodeToString(selfieJPEG(!raw)), ContentType: "image/jpeg"})
	}
}

// writeRetentionPassed answers an artefact that existed but whose retention window passed.
// GUESS: the reference's retention table gives "410 Gone" for a document fetched after its
// retention (developer.unico.io error codes); the body is the grpc-gateway envelope.
func writeRetentionPassed(w http.ResponseWriter, what string) {
	writeGRPCError(w, http.StatusGone, 5, "error getting "+what+": retention period has passed")
}

type fileJSON struct {
	FileContents string `json:"fileContents"`
	ContentType  string `json:"contentType"`
}

func (s *Simulator) handleEvidenceSet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.lookupLocked(w, r.PathValue("id"))
	if p == nil {
		s.mu.Unlock()
		return
	}
	s.expireIfDueLocked(p)
	now := s.now()
	exists := p.state == stFinished && (p.result == resOK || p.result == resInvalidIdentity)
	avail := exists && now.Before(p.finished.Add(evidenceRetention))
	var lines []string
	if avail {
		lines = []string{
			"Unico IDCloud simulator - evidence set (conjunto probatorio)",
			"Process: " + p.id,
			"Flow: " + p.fi.name + "   Purpose: " + p.purpose,
			"Name: " + p.friendlyName() + "   CPF: " + p.cpf(),
			"Created: " + ts(p.createdAt) + "   Finished: " + ts(p.finished),
			"State: " + p.state + "   Result: " + p.result,
			"Liveness: " + p.outcome.liveness + "   Authentication: " + p.outcome.auth,
			"This document is simulated and has no legal value.",
		}
	}
	s.mu.Unlock()
	if exists && !avail {
		writeRetentionPassed(w, "evidence set")
		return
	}
	if !avail {
		writeGRPCError(w, http.StatusNotFound, 5, "error getting evidence set: rpc error: code = NotFound desc = evidence set not found")
		return
	}
	writeJSON(w, http.StatusOK, fileJSON{FileContents: base64.StdEncoding.EncodeToString(buildPDF(lines)), ContentType: "application/pdf"})
}

func (p *process) friendlyName() string {
	if p.person != nil && p.person.FriendlyName != "" {
		return p.person.FriendlyName
	}
	return "John Doe"
}

// ---- Set Process Document ----

var setDocumentDuiTypes = map[string]bool{"DUI_TYPE_BR_CPF": true, "DUI_TYPE_MX_CURP": true, "DUI_TYPE_US_SSN": true}

func (s *Simulator) handleSetDocument(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	o, err := decodeProtoObject(body, "", "duiType", "duiValue")
	var duiType, duiValue string
	if err == nil {
		err = o.strs(map[string]*string{"duiType": &duiType, "duiValue": &duiValue})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookupLocked(w, r.PathValue("id"))
	if p == nil {
		return
	}
	if err != nil {
		writeGRPCError(w, http.StatusBadRequest, 3, err.Error())
		return
	}
	s.expireIfDueLocked(p)
	if p.cpf() != "" {
		writeGRPCError(w, http.StatusBadRequest, 9, "the process document is already set and cannot be changed")
		return
	}
	if p.state != stAwaitingDocument {
		writeGRPCError(w, http.StatusBadRequest, 9, "process is not awaiting a document")
		return
	}
	if !setDocumentDuiTypes[duiType] {
		writeGRPCError(w, http.StatusBadRequest, 3, "invalid dui type")
		return
	}
	if duiValue == "" || (duiType == "DUI_TYPE_BR_CPF" && !ValidCPF(duiValue)) {
		writeGRPCError(w, http.StatusBadRequest, 3, msgInvalidDUI)
		return
	}
	if p.person == nil {
		p.person = &personData{}
	}
	p.person.DuiType, p.person.DuiValue = duiType, duiValue
	p.state = stCreated
	type idPerson struct {
		ID     string `json:"id"`
		Person struct {
			DuiType  string `json:"duiType"`
			DuiValue string `json:"duiValue"`
		} `json:"person"`
	}
	var out struct {
		Process idPerson `json:"process"`
	}
	out.Process.ID = p.id
	out.Process.Person.DuiType, out.Process.Person.DuiValue = duiType, duiValue
	writeJSON(w, http.StatusOK, out)
}

// ---- sign host ----

// signError is the sign host's error body; "Sucess" is misspelt in Unico's docs and kept so.
// GUESS: the docs show it for 500; the simulator uses it for 401 and 404 as well.
type signError struct {
	Sucess  bool   `json:"Sucess"`
	Message string `json:"Message"`
	Data    any    `json:"Data"`
}

func (s *Simulator) signLookup(w http.ResponseWriter, r *http.Request) (*process, signDoc, bool) {
	docID := strings.ToLower(r.PathValue("documentId"))
	s.mu.Lock()
	defer s.mu.Unlock()
	pid, ok := s.signDocs[docID]
	if !ok {
		writeJSON(w, http.StatusNotFound, signError{Message: "Document not found"})
		return nil, signDoc{}, false
	}
	p := s.processes[pid]
	for _, d := range p.signDocs {
		if d.id == docID {
			cp := *p
			return &cp, d, true
		}
	}
	writeJSON(w, http.StatusNotFound, signError{Message: "Document not found"})
	return nil, signDoc{}, false
}

// handleSignedFile is GetDocumentSigned: the signed PDF (binary, or base64 text if configured).
func (s *Simulator) handleSignedFile(w http.ResponseWriter, r *http.Request) {
	p, d, ok := s.signLookup(w, r)
	if !ok {
		return
	}
	s.writePDF(w, buildPDF([]string{
		"Unico Sign simulator - signed document",
		"Document: " + d.name,
		"Document id: " + d.id,
		"Envelope id: " + p.envelopeID,
		"Signed by: " + p.friendlyName() + " (CPF " + p.cpf() + ")",
		"Signed at: " + ts(p.finished),
		"This document is simulated and has no legal value.",
	}))
}

// handleSignEvidence is GetEvidenceSign. GUESS: the path was never retrieved (§3.6); the simulator
// serves it next to GetDocumentSigned as /api/v1/service/evidence/{documentId}.
func (s *Simulator) handleSignEvidence(w http.ResponseWriter, r *http.Request) {
	p, d, ok := s.signLookup(w, r)
	if !ok {
		return
	}
	s.writePDF(w, buildPDF([]string{
		"Unico Sign simulator - evidence of signature",
		"Document: " + d.name + " (" + d.id + ")",
		"Envelope id: " + p.envelopeID + "   Process: " + p.id,
		"Signer: " + p.friendlyName() + "   CPF: " + p.cpf(),
		"Biometric authentication: " + p.authID,
		"Signed at: " + ts(p.finished),
	}))
}

func (s *Simulator) writePDF(w http.ResponseWriter, pdf []byte) {
	if s.cfg.SignedDocumentBase64 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(base64.StdEncoding.EncodeToString(pdf)))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pdf)
}

// ---- state transitions ----

// expireIfDueLocked turns a CREATED/AWAITING process past expiresAt into FINISHED/EXPIRED and
// reports whether it just did (the caller then announces it).
func (s *Simulator) expireIfDueLocked(p *process) bool {
	if (p.state == stCreated || p.state == stAwaitingDocument) && !s.now().Before(p.expiresAt) {
		s.applyOutcomeLocked(p, scenarioByName["expired"])
		return true
	}
	return false
}

func (s *Simulator) applyOutcomeLocked(p *process, d *scenarioDef) {
	o := d.unico
	p.scenario = d.Name
	p.outcome = o
	p.state, p.result = o.state, o.result
	p.finished = s.now()
	if o.expired {
		// GUESS: the EVENT_TYPE_* value Unico reports for an untouched process.
		p.lastEvent, p.lastEventDescription = "EVENT_TYPE_PROCESS_CREATED", "Process created"
		if p.journeyVisited {
			p.lastEvent, p.lastEventDescription = "EVENT_TYPE_PROCESS_STARTED_BY_USER", "Process started by user"
		}
	}
	if o.liveness != "UNSPECIFIED" {
		p.authID = newUUID()
	}
	ok := p.state == stFinished && p.result == resOK
	if ok && p.fi.docs {
		p.docID = newUUID()
		s.addReusableLocked(p.cpf(), reusableDoc{Type: "BR_RG", ID: p.docID})
	}
	if ok && p.fi.sign {
		p.envelopeID = newUUID()
		for _, d := range p.signDocs {
			s.signDocs[d.id] = p.id
		}
	}
}

// Finish makes the person complete the journey of a by-Unico process with the given scenario ("" =
// the scenario the CPF selects) and then delivers the webhook (delivery failures are only counted).
// For a by-Client document process it completes the document analysis (no webhook).
func (s *Simulator) Finish(ctx context.Context, processID string, scenario string) error {
	var d *scenarioDef
	if scenario != "" {
		if d = scenarioByName[scenario]; d == nil {
			return fmt.Errorf("%w: %q", ErrUnknownScenario, scenario)
		}
	}
	id := strings.ToLower(processID)
	s.mu.Lock()
	p := s.processes[id]
	if p == nil {
		err := s.finishClientLocked(id, d)
		s.mu.Unlock()
		return err
	}
	s.expireIfDueLocked(p)
	if p.state != stCreated {
		st := p.state
		s.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrNotFinishable, st)
	}
	if d == nil {
		d = scenarioFor(p.cpf(), byUnico)
	}
	s.applyOutcomeLocked(p, d)
	notify := p.state == stFinished
	s.mu.Unlock()
	if notify && s.cfg.WebhookURL != "" {
		_ = s.DeliverWebhook(ctx, id)
	}
	return nil
}

// Expire makes a by-Unico process expire before the person finished it, then delivers the webhook
// (with lastEvent and lastEventDescription).
func (s *Simulator) Expire(ctx context.Context, processID string) error {
	id := strings.ToLower(processID)
	s.mu.Lock()
	p := s.processes[id]
	if p == nil {
		s.mu.Unlock()
		return ErrUnknownProcess
	}
	if p.state != stCreated && p.state != stAwaitingDocument {
		st := p.state
		s.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrNotFinishable, st)
	}
	s.applyOutcomeLocked(p, scenarioByName["expired"])
	s.mu.Unlock()
	if s.cfg.WebhookURL != "" {
		_ = s.DeliverWebhook(ctx, id)
	}
	return nil
}

// SetRawProcess makes GetProcess for processID answer exactly rawJSON with HTTP 200 (whatever the
// id looks like; nil removes the override).
func (s *Simulator) SetRawProcess(processID string, rawJSON []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rawJSON == nil {
		delete(s.raw, processID)
		return
	}
	s.raw[processID] = append([]byte(nil), rawJSON...)
}
