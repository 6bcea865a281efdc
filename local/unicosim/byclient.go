package unicosim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig for plain base64 selfies
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"time"
)

// ---- capability sets ----

type capSet struct {
	liveness, identity, riskScore, oneToOne, documents, serpro bool
}

func parseCaps(v string) capSet {
	var c capSet
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '+' || r == '|' || r == ' ' || r == ';' }) {
		switch strings.ToLower(f) {
		case "liveness":
			c.liveness = true
		case "identity", "unicoid":
			c.identity = true
		case "riskscore", "score", "idcheck":
			c.riskScore = true
		case "onetoone", "1:1", "biometrytoken", "validation":
			c.oneToOne = true
		case "documents", "docs", "document":
			c.documents = true
		case "serpro":
			c.serpro = true
		}
	}
	return c
}

func (c capSet) biometric() bool { return c.liveness || c.identity || c.riskScore || c.oneToOne }

// ---- errors ----

type clientErrBody struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func writeClientError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, struct {
		Error clientErrBody `json:"error"`
	}{clientErrBody{code, desc}})
}

// writeClientGetError uses the capital-E envelope of seed 000 (GetProcess).
func writeClientGetError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, struct {
		Error clientErrBody `json:"Error"`
	}{clientErrBody{code, desc}})
}

type clientErr struct {
	status      int
	code, descr string
}

func cerr(code, descr string) *clientErr { return &clientErr{http.StatusBadRequest, code, descr} }

// Simulator-specific codes for the document-process rules the docs describe without a code (GUESS).
const (
	codeAuthProcessNotFound = "20030"
	codeAuthProcessNotValid = "20031"
	codeDocumentNotFound    = "20032"
)

// ---- selfie JWTs ----

type selfieRec struct {
	issued time.Time
	used   bool
}

const selfieLifetime = 10 * time.Minute

var selfieHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","cty":"unico-sim-capture"}`))

// NewSelfieJWT returns an opaque stand-in for the SDK's "encrypted" selfie capture. It is valid for
// 10 minutes and for one by-Client process; only the Simulator that issued it accepts it.
func (s *Simulator) NewSelfieJWT() string { return s.NewSelfieJWTAt(s.now()) }

// NewSelfieJWTAt is NewSelfieJWT for a capture taken at issued: a time more than 10 minutes ago
// makes a selfie that Unico refuses with 10507 (expired).
func (s *Simulator) NewSelfieJWTAt(issued time.Time) string {
	jti := randomToken(18)
	now := issued
	payload, _ := json.Marshal(map[string]any{"jti": jti, "iat": now.Unix(), "enc": randomToken(96)})
	body := selfieHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	tok := body + "." + s.sign(body)
	s.mu.Lock()
	s.selfies[jti] = &selfieRec{issued: now}
	if len(s.selfies) > 4096 {
		for k, r := range s.selfies {
			if now.Sub(r.issued) > 24*time.Hour {
				delete(s.selfies, k)
			}
		}
	}
	s.mu.Unlock()
	return tok
}

// selfieLocked resolves an SDK capture, or returns the by-Client error.
func (s *Simulator) selfieLocked(tok string) (*selfieRec, *clientErr) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || !s.validSig(parts[0]+"."+parts[1], parts[2]) {
		return nil, cerr("20900", "The imagebase64 is invalid: it is not an image or it was tampered with.")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		JTI string `json:"jti"`
	}
	if err != nil || json.Unmarshal(pb, &claims) != nil {
		return nil, cerr("20900", "The imagebase64 is invalid.")
	}
	rec := s.selfies[claims.JTI]
	switch {
	case rec == nil:
		return nil, cerr("20900", "The imagebase64 is invalid.")
	case rec.used:
		return nil, cerr("10508", "The JWT with the captured face has already been used.")
	case s.now().Sub(rec.issued) > selfieLifetime:
		return nil, cerr("10507", "The JWT with the captured face is expired.")
	}
	return rec, nil
}

// checkImageLocked validates an imageBase64 / document file and returns the capture to consume (nil
// for a plain image). requireSDK is true when the key has Liveness (10506 for a plain image).
func (s *Simulator) checkImageLocked(data string, requireSDK bool) (*selfieRec, *clientErr) {
	if strings.Count(data, ".") == 2 {
		return s.selfieLocked(data)
	}
	if requireSDK {
		return nil, cerr("10506", "Bundle invalid: this APIKEY requires an image captured with Unico's SDK.")
	}
	img, err := base64.StdEncoding.DecodeString(data)
	if err != nil || len(img) < 12 {
		return nil, cerr("20900", "The imagebase64 is invalid: it is not an image.")
	}
	switch {
	case bytes.HasPrefix(img, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(img, []byte("\x89PNG")):
	case bytes.HasPrefix(img, []byte("RIFF")) && string(img[8:12]) == "WEBP":
	case bytes.HasPrefix(img, []byte("GIF8")), bytes.HasPrefix(img, []byte("BM")), bytes.HasPrefix(img, []byte("II*")), bytes.HasPrefix(img, []byte("MM\x00*")):
		return nil, cerr("20505", "The image format is not supported (png, jpeg or webp only).")
	default:
		return nil, cerr("20900", "The imagebase64 is invalid: it is not an image.")
	}
	if len(img) > 800*1024 {
		return nil, cerr("20506", "The image is larger than 800 KB.")
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); err == nil {
		if cfg.Width < 640 || cfg.Height < 480 {
			return nil, cerr("20807", "The image resolution is lower than 640x480.")
		}
	} else if !bytes.HasPrefix(img, []byte("RIFF")) {
		return nil, cerr("20900", "The imagebase64 is invalid: it is not an image.")
	}
	return nil, nil
}

// ---- model ----

type resultJSON struct {
	Result string `json:"result"`
}

type governmentJSON struct {
	Serpro int `json:"serpro"`
}

type clientDocJSON struct {
	ID       string          `json:"id"`
	Type     string          `json:"type,omitempty"`
	CPFMatch *bool           `json:"cpfMatch,omitempty"`
	Content  json.RawMessage `json:"content,omitempty"`
	FileURLs []string        `json:"fileUrls,omitempty"`
}

type additionalInfoJSON struct {
	TransactionID  string `json:"transactionId"`
	PersonName     string `json:"personName"`
	PersonDocument string `json:"personDocument"`
	PersonImage    string `json:"personImage"`
	FinishedAt     string `json:"finishedAt"`
}

type clientAnswer struct {
	ID                    string              `json:"id"`
	Status                int                 `json:"status"`
	UnicoID               *resultJSON         `json:"unicoId,omitempty"`
	Liveness              int                 `json:"liveness,omitempty"`
	Score                 *int                `json:"score,omitempty"`
	IdentityFraudsters    *resultJSON         `json:"identityFraudsters,omitempty"`
	BiometryToken         *resultJSON         `json:"biometryToken,omitempty"`
	Authenticated         *bool               `json:"authenticated,omitempty"`
	Government            *governmentJSON     `json:"government,omitempty"`
	Document              *clientDocJSON      `json:"document,omitempty"`
	ProcessAdditionalInfo *additionalInfoJSON `json:"processAdditionalInfo,omitempty"`
}

type clientProcess struct {
	id            string
	cpf, name     string
	answer        clientAnswer  // the stored result (biometric) or the last computed one (document)
	later         *clientAnswer // scenario in_progress: what the next GET answers (status 3)
	createdAt     time.Time
	finishedAt    time.Time
	transactionID string

	document   bool
	docType    string // BR_CNH ...
	docID      string
	completeAt time.Time
	failed     bool // scenario error_status5
}

// qualifies reports whether a biometric by-Client process can authorise a document process.
func (cp *clientProcess) qualifies() bool {
	a := cp.answer
	if cp.document || a.Status != 3 {
		return false
	}
	if a.UnicoID != nil && a.UnicoID.Result == "yes" {
		return true
	}
	return a.Score != nil && *a.Score >= 50
}

// ---- POST /processes/v1 ----

type clientSubject struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	Email           string `json:"email"`
	Phone           string `json:"phone"`
	Gender          string `json:"gender"`
	BirthDate       string `json:"birthDate"`
	DuiType         string `json:"duiType"`
	ClientReference string `json:"clientReference"`
}

type clientRequest struct {
	Subject            *clientSubject `json:"subject"`
	UseCase            string         `json:"useCase"`
	SubsidiaryID       string         `json:"subsidiaryId"`
	ImageBase64        *string        `json:"imageBase64"`
	ReferenceProcessID string         `json:"referenceProcessId"`
	References         []struct {
		ReferenceType    string `json:"referenceType"`
		ReferenceContent string `json:"referenceContent"`
	} `json:"references"`
	Document *struct {
		Purpose       string `json:"purpose"`
		AuthProcessID string `json:"authProcessId"`
		DocumentID    string `json:"documentId"`
		Files         []struct {
			Data string `json:"data"`
		} `json:"files"`
	} `json:"document"`
}

// apiKeyCaps checks the APIKEY header (400 20002 missing, 403 10201 unknown).
func (s *Simulator) apiKeyCaps(w http.ResponseWriter, r *http.Request) (capSet, bool) {
	key := r.Header.Get("APIKEY")
	if key == "" {
		writeClientError(w, http.StatusBadRequest, "20002", "The APIKEY header was not informed.")
		return capSet{}, false
	}
	c, ok := s.caps[key]
	if !ok {
		writeClientError(w, http.StatusForbidden, "10201", "The APIKEY is invalid or does not exist.")
		return capSet{}, false
	}
	return c, true
}

func (s *Simulator) handleClientCreate(w http.ResponseWriter, r *http.Request) {
	caps, ok := s.apiKeyCaps(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	var req clientRequest
	if err != nil || len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &req) != nil {
		writeClientError(w, http.StatusBadRequest, "20003", "The request body is missing or invalid.")
		return
	}
	var ans clientAnswer
	var ce *clientErr
	if req.Document != nil {
		ans, ce = s.createDocumentProcess(caps, &req)
	} else {
		ans, ce = s.createBiometricProcess(caps, &req)
	}
	if ce != nil {
		writeClientError(w, ce.status, ce.code, ce.descr)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

var noPermission = &clientErr{http.StatusForbidden, "30017", "The APIKEY has no permission for this method."}

func (s *Simulator) createBiometricProcess(caps capSet, req *clientRequest) (clientAnswer, *clientErr) {
	if !caps.biometric() {
		return clientAnswer{}, noPermission
	}
	// A key with both Identity Verification and 1:1 runs 1:1 only when a reference is sent.
	hasRef := req.ReferenceProcessID != "" || len(req.References) > 0
	if caps.oneToOne && !hasRef && (caps.identity || caps.riskScore) {
		caps.oneToOne = false
	}
	needSubject := caps.identity || caps.riskScore || caps.oneToOne
	sub := req.Subject
	if sub == nil {
		if needSubject {
			return clientAnswer{}, cerr("20004", "The subject was not informed.")
		}
		sub = &clientSubject{}
	}
	if needSubject && sub.Code == "" {
		return clientAnswer{}, cerr("20005", "The subject.code was not informed.")
	}
	if needSubject && strings.TrimSpace(sub.Name) == "" {
		return clientAnswer{}, cerr("20006", "The subject.name was not informed.")
	}
	if sub.Code != "" && !ValidCPF(sub.Code) {
		return clientAnswer{}, cerr("20507", "The subject.code is invalid.")
	}
	if req.ImageBase64 == nil || *req.ImageBase64 == "" {
		return clientAnswer{}, cerr("20009", "The imagebase64 was not informed.")
	}
	if caps.oneToOne {
		if !hasRef {
			return clientAnswer{}, cerr("20003", "referenceProcessId or references is required for Validation (1:1).")
		}
		if req.ReferenceProcessID != "" && !isUUID(req.ReferenceProcessID) {
			return clientAnswer{}, cerr("20003", "referenceProcessId is not a valid id.")
		}
		for i, ref := range req.References {
			switch ref.ReferenceType {
			case "REFERENCE_TYPE_PROCESS_ID":
				if !isUUID(ref.ReferenceContent) {
					return clientAnswer{}, cerr("20003", fmt.Sprintf("references[%d].referenceContent is not a valid process id.", i))
				}
			case "REFERENCE_TYPE_IMAGE_BASE64":
				if _, err := base64.StdEncoding.DecodeString(ref.ReferenceContent); err != nil || ref.ReferenceContent == "" {
					return clientAnswer{}, cerr("20003", fmt.Sprintf("references[%d].referenceContent is not base64.", i))
				}
			default:
				return clientAnswer{}, cerr("20003", fmt.Sprintf("references[%d].referenceType is invalid.", i))
			}
		}
	}
	if req.SubsidiaryID != "" && !isUUID(req.SubsidiaryID) {
		return clientAnswer{}, cerr("20003", "subsidiaryId is not a valid id.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ce := s.checkImageLocked(*req.ImageBase64, caps.liveness)
	if ce != nil {
		return clientAnswer{}, ce
	}
	if rec != nil {
		rec.used = true
	}
	now := s.now()
	o := scenarioFor(sub.Code, byClient).client
	ans := biometricAnswer(newUUID(), caps, o)
	cp := &clientProcess{id: ans.ID, cpf: sub.Code, name: sub.Name, answer: ans, createdAt: now, finishedAt: now, transactionID: newUUID()}
	if o.inProgress {
		// GUESS: how long Unico stays in status 1 is not documented; the next GET sees status 3.
		later := ans
		cp.later, cp.finishedAt = &later, time.Time{}
		ans = clientAnswer{ID: ans.ID, Status: 1}
		cp.answer = ans
	}
	s.clientProcs[cp.id] = cp
	return ans, nil
}

// biometricAnswer composes the synchronous answer from the key's capabilities and the scenario.
func biometricAnswer(id string, caps capSet, o clientOutcome) clientAnswer {
	ans := clientAnswer{ID: id, Status: o.status}
	if o.status == 5 || o.status == 4 {
		return ans
	}
	identity := caps.identity || caps.riskScore
	fraud := &resultJSON{"inconclusive"}
	if o.fraudster {
		fraud = &resultJSON{"yes"}
	}
	liveness := 1
	if caps.liveness && !o.live {
		liveness = 2 // without the Liveness capability the answer is always 1
	}
	if identity {
		ans.UnicoID = &resultJSON{o.unicoID}
		if o.unicoID != "yes" { // "yes" already includes liveness, so it is omitted
			ans.Liveness = liveness
		}
		if caps.riskScore && o.unicoID == "inconclusive" && o.hasScore && !o.fraudster {
			score := o.score
			ans.Score = &score
			if o.divergence {
				ans.Status = 2
			}
		}
		ans.IdentityFraudsters = fraud
	}
	if caps.oneToOne {
		matched := o.match && o.live
		if o.authShape {
			ans.Authenticated = &matched
		} else {
			ans.BiometryToken = &resultJSON{fmt.Sprint(matched)}
		}
		if caps.liveness {
			ans.Liveness = liveness
		}
		ans.IdentityFraudsters = fraud
	}
	if !identity && !caps.oneToOne {
		ans.Liveness = liveness
	}
	if caps.serpro && o.live {
		ans.Government = &governmentJSON{Serpro: 87}
		if o.unicoID == "no" {
			ans.Government.Serpro = 21
		}
	}
	return ans
}

var documentPurposes = map[string]bool{"creditprocess": true, "carpurchase": true, "paybypaycheck": true, "onboarding": true, "fgts": true}

func (s *Simulator) createDocumentProcess(caps capSet, req *clientRequest) (clientAnswer, *clientErr) {
	if !caps.documents {
		return clientAnswer{}, noPermission
	}
	sub, doc := req.Subject, req.Document
	switch {
	case sub == nil:
		return clientAnswer{}, cerr("20004", "The subject was not informed.")
	case sub.Code == "":
		return clientAnswer{}, cerr("20005", "The subject.code was not informed.")
	case sub.DuiType == "":
		return clientAnswer{}, cerr("20003", "subject.duiType is required for document processes.")
	case !validDuiTypes[sub.DuiType]:
		return clientAnswer{}, cerr("20003", "subject.duiType is invalid.")
	case sub.DuiType == "DUI_TYPE_BR_CPF" && !ValidCPF(sub.Code):
		return clientAnswer{}, cerr("20507", "The subject.code is invalid.")
	case !documentPurposes[doc.Purpose]:
		return clientAnswer{}, cerr("20003", "document.purpose is invalid (creditprocess, carpurchase, paybypaycheck, onboarding, fgts).")
	case doc.AuthProcessID == "":
		return clientAnswer{}, cerr("20003", "document.authProcessId is required.")
	case !isUUID(doc.AuthProcessID):
		return clientAnswer{}, cerr("20003", "document.authProcessId is not a valid id.")
	case (len(doc.Files) == 0) == (doc.DocumentID == ""):
		return clientAnswer{}, cerr("20003", "Send either document.files (new capture) or document.documentId (reuse).")
	case len(doc.Files) > 2:
		return clientAnswer{}, cerr("20003", "document.files holds at most two images (front and back).")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if ce := s.checkAuthProcessLocked(strings.ToLower(doc.AuthProcessID), sub.Code, now); ce != nil {
		return clientAnswer{}, ce
	}
	docType := "BR_CNH" // a new capture is classified as a CNH
	if doc.DocumentID != "" {
		found := false
		for _, d := range s.reusableLocked(sub.Code) {
			if strings.EqualFold(d.ID, doc.DocumentID) {
				docType, found = d.Type, true
			}
		}
		if !found {
			return clientAnswer{}, cerr(codeDocumentNotFound, "document.documentId is not a reusable document of this subject.")
		}
	}
	var recs []*selfieRec
	for i, f := range doc.Files {
		if f.Data == "" {
			return clientAnswer{}, cerr("20003", fmt.Sprintf("document.files[%d].data is empty.", i))
		}
		rec, ce := s.checkImageLocked(f.Data, false)
		if ce != nil {
			return clientAnswer{}, ce
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
	for _, rec := range recs {
		rec.used = true
	}
	o := scenarioFor(sub.Code, byClient).client
	cp := &clientProcess{
		id: newUUID(), cpf: sub.Code, name: sub.Name, createdAt: now, transactionID: newUUID(),
		document: true, docType: docType, docID: newUUID(),
		completeAt: now.Add(s.cfg.DocumentProcessingDelay), failed: o.status == 5,
	}
	cp.answer = clientAnswer{ID: cp.id, Status: 1, Document: &clientDocJSON{ID: cp.docID}}
	s.clientProcs[cp.id] = cp
	return cp.answer, nil
}

// checkAuthProcessLocked applies the document prerequisites: a biometric process (by Client or by
// Unico) of the same CPF with identity "yes" (POSITIVE) or score >= 50, finished within 24 hours.
func (s *Simulator) checkAuthProcessLocked(id, cpf string, now time.Time) *clientErr {
	var ok bool
	var finished time.Time
	var owner string
	if cp := s.clientProcs[id]; cp != nil {
		ok, finished, owner = cp.qualifies(), cp.finishedAt, cp.cpf
	} else if p := s.processes[id]; p != nil {
		a := p.authInfo()
		ok = p.state == stFinished && p.result == resOK &&
			(a.AuthenticationResult == "AUTHENTICATION_RESULT_POSITIVE" || (a.ScoreEngineResult.ScoreEnabled == "SCORE_ENABLED_TRUE" && a.ScoreEngineResult.Score >= 50))
		finished, owner = p.finished, p.cpf()
	} else {
		return cerr(codeAuthProcessNotFound, "document.authProcessId was not found.")
	}
	switch {
	case !ok:
		return cerr(codeAuthProcessNotValid, "document.authProcessId does not qualify: it needs an Identity Verification result \"yes\" or a Risk Score of at least 50.")
	case now.Sub(finished) > 24*time.Hour:
		return cerr(codeAuthProcessNotValid, "document.authProcessId does not qualify: it finished more than 24 hours ago.")
	case owner != cpf:
		return cerr(codeAuthProcessNotValid, "document.authProcessId does not qualify: it belongs to another subject.")
	}
	return nil
}

// finishClientLocked completes a by-Client document process (Finish on a by-Client id).
func (s *Simulator) finishClientLocked(id string, d *scenarioDef) error {
	cp := s.clientProcs[id]
	if cp == nil {
		return ErrUnknownProcess
	}
	if !cp.document || cp.answer.Status != 1 {
		return fmt.Errorf("%w: by-Client process with status %d", ErrNotFinishable, cp.answer.Status)
	}
	if d != nil {
		cp.failed = d.client.status == 5
	}
	cp.completeAt = s.now()
	s.completeDocumentLocked(cp)
	return nil
}

func (s *Simulator) completeDocumentLocked(cp *clientProcess) {
	if cp.answer.Status != 1 || s.now().Before(cp.completeAt) {
		return
	}
	cp.finishedAt = s.now()
	if cp.failed {
		cp.answer = clientAnswer{ID: cp.id, Status: 5}
		return
	}
	cp.answer.Status = 3
	s.addReusableLocked(cp.cpf, reusableDoc{Type: cp.docType, ID: cp.docID})
}

// ---- GET /processes/v1/{id}, /processes/v2/{id} ----

func (s *Simulator) handleClientGetV1(w http.ResponseWriter, r *http.Request) {
	s.clientGet(w, r, false)
}
func (s *Simulator) handleClientGetV2(w http.ResponseWriter, r *http.Request) {
	s.clientGet(w, r, true)
}

func (s *Simulator) clientGet(w http.ResponseWriter, r *http.Request, v2 bool) {
	if _, ok := s.apiKeyCaps(w, r); !ok {
		return
	}
	id := r.PathValue("id")
	if !isUUID(id) {
		writeClientGetError(w, http.StatusBadRequest, "40004", "The process id is invalid.")
		return
	}
	s.mu.Lock()
	cp := s.clientProcs[strings.ToLower(id)]
	if raw, ok := s.rawClient[strings.ToLower(id)]; ok && cp == nil {
		s.mu.Unlock()
		writeRawJSON(w, raw.status, raw.body)
		return
	}
	if cp == nil {
		s.mu.Unlock()
		// GUESS: the code of this error is not documented.
		writeClientGetError(w, http.StatusNotFound, "40404", "The process was not found.")
		return
	}
	if cp.document {
		s.completeDocumentLocked(cp)
	}
	if cp.later != nil {
		cp.answer, cp.later, cp.finishedAt = *cp.later, nil, s.now()
	}
	if raw, ok := s.rawClient[cp.id]; ok {
		s.mu.Unlock()
		writeRawJSON(w, raw.status, raw.body)
		return
	}
	ans := cp.answer
	if cp.document && ans.Status == 3 {
		match := ValidCPF(cp.cpf) && scenarioFor(cp.cpf, byClient).client.unicoID != "no"
		ans.Document = &clientDocJSON{
			ID: cp.docID, Type: documentTypeCodes[cp.docType], CPFMatch: &match, Content: documentContent[cp.docType],
			FileURLs: []string{
				s.fileURL(baseURL(r), cp.docID, "front.jpg", clientFileLifetime),
				s.fileURL(baseURL(r), cp.docID, "back.jpg", clientFileLifetime),
			},
		}
	}
	if v2 && !cp.document && ans.Status == 3 {
		ans.ProcessAdditionalInfo = &additionalInfoJSON{
			TransactionID: cp.transactionID, PersonName: cp.name, PersonDocument: cp.cpf,
			PersonImage: base64.StdEncoding.EncodeToString(selfieJPEG(true)), FinishedAt: ts(cp.finishedAt),
		}
	}
	s.mu.Unlock()
	if ans.Status == 5 {
		writeJSON(w, http.StatusGone, clientAnswer{ID: ans.ID, Status: 5})
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// ---- GET /documents/v1 ----

type documentItem struct {
	DocumentType string `json:"documentType"`
	DocumentID   string `json:"documentId"`
}

func (s *Simulator) handleReusableDocuments(w http.ResponseWriter, r *http.Request) {
	caps, ok := s.apiKeyCaps(w, r)
	if !ok {
		return
	}
	if !caps.documents {
		writeClientError(w, noPermission.status, noPermission.code, noPermission.descr)
		return
	}
	q := r.URL.Query()
	code, typ := q.Get("code"), q.Get("type")
	switch {
	case code == "":
		writeClientError(w, http.StatusBadRequest, "20005", "The code was not informed.")
		return
	case !ValidCPF(code):
		writeClientError(w, http.StatusBadRequest, "20507", "The code is invalid.")
		return
	case typ != "" && documentTypeNames[typ] == "":
		writeClientError(w, http.StatusBadRequest, "20003", "type must be one of BR_RG, BR_CNH, BR_CIN, BR_PASSPORT.")
		return
	}
	items := []documentItem{}
	s.mu.Lock()
	for _, d := range s.reusableLocked(code) {
		if typ == "" || d.Type == typ {
			items = append(items, documentItem{DocumentType: documentTypeNames[d.Type], DocumentID: d.ID})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Items []documentItem `json:"items"`
	}{items})
}

// ---- raw answers ----

type rawClientAnswer struct {
	status int
	body   []byte
}

// SetRawClientProcess makes GET /processes/v1/{id} and /processes/v2/{id} for processID answer
// exactly rawJSON with HTTP status (0 means 200), whether or not the simulator created that
// process: a test serves Unico's documented examples verbatim (trailing commas, capitalised
// values, 410 bodies). nil rawJSON removes the override.
func (s *Simulator) SetRawClientProcess(processID string, status int, rawJSON []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strings.ToLower(processID)
	if rawJSON == nil {
		delete(s.rawClient, id)
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	s.rawClient[id] = rawClientAnswer{status: status, body: append([]byte(nil), rawJSON...)}
}
