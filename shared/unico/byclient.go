package unico

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// By-Client (API contract) model, reference §4 and seeds 000, 002, 004.

// By-Client process status values.
const (
	ClientStatusInProgress = 1 // one or more capabilities still running
	ClientStatusDivergence = 2 // Risk Score only
	ClientStatusCompleted  = 3 // "only validate the results … when the status = 3"
	ClientStatusCanceled   = 4 // e.g. client timeout before processing
	ClientStatusError      = 5 // retry (Unico recommends at least 3 new attempts)
)

// By-Client liveness values.
const (
	LivenessLive    = 1
	LivenessNotLive = 2
)

// By-Client result strings (unicoId, identityFraudsters, silentAuth). Unico's legacy pages
// capitalise them ("Yes"): compare with Result.Is, which ignores case.
const (
	ResultYes          = "yes"
	ResultNo           = "no"
	ResultInconclusive = "inconclusive"
)

// Result is {"result": ...}. The value may be a string ("yes", "Inconclusive", "true") or a JSON
// bool (biometryToken.result); a bool is kept as "true"/"false".
type Result struct {
	Result string `json:"result"`
}

// UnmarshalJSON accepts {"result": string|bool|number} and, leniently, a bare string or bool.
func (r *Result) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || isNull(b) {
		return nil
	}
	if b[0] != '{' {
		s, err := flexText(b)
		if err != nil {
			return err
		}
		r.Result = s
		return nil
	}
	return decodeLoose(b, r)
}

// Is reports whether the result equals v, ignoring case and surrounding space.
func (r *Result) Is(v string) bool {
	return r != nil && strings.EqualFold(strings.TrimSpace(r.Result), v)
}

// Yes reports result "yes".
func (r *Result) Yes() bool { return r.Is(ResultYes) }

// No reports result "no".
func (r *Result) No() bool { return r.Is(ResultNo) }

// Inconclusive reports result "inconclusive".
func (r *Result) Inconclusive() bool { return r.Is(ResultInconclusive) }

// Bool reads a boolean-like result: "true"/"yes" → (true, true), "false"/"no" → (false, true),
// anything else → known false.
func (r *Result) Bool() (value bool, known bool) {
	if r == nil {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(r.Result)) {
	case "true", "yes", "1":
		return true, true
	case "false", "no", "0":
		return false, true
	}
	return false, false
}

// ClientProcess is a by-Client process: the CreateProcess (POST /processes/v1) response and the
// GetProcess (/processes/v1|v2/{id}) response. Numbers are accepted as strings and vice versa
// (Unico's table types status as both "string" and "integer").
type ClientProcess struct {
	ID                    string                 `json:"id"`
	Status                int                    `json:"status"`
	UnicoID               *Result                `json:"unicoId,omitempty"`
	Liveness              int                    `json:"liveness,omitempty"` // 1 live, 2 not live, 0 absent
	Score                 *float64               `json:"score,omitempty"`    // Risk Score, only when configured and identity inconclusive
	IdentityFraudsters    *Result                `json:"identityFraudsters,omitempty"`
	BiometryToken         *Result                `json:"biometryToken,omitempty"` // 1:1 as seen in seed 004 ("true")
	Authenticated         *bool                  `json:"authenticated,omitempty"` // 1:1 as documented in seed 002
	SilentAuth            *Result                `json:"silentAuth,omitempty"`    // seen only in SilentAuth samples
	Government            *Government            `json:"government,omitempty"`
	Document              *ClientDocument        `json:"document,omitempty"`
	ProcessAdditionalInfo *ProcessAdditionalInfo `json:"processAdditionalInfo,omitempty"` // v2 only; holds personal data
}

// UnmarshalJSON decodes tolerantly.
func (p *ClientProcess) UnmarshalJSON(b []byte) error { return decodeLoose(b, p) }

// Completed reports status 3.
func (p ClientProcess) Completed() bool { return p.Status == ClientStatusCompleted }

// Errored reports status 5.
func (p ClientProcess) Errored() bool { return p.Status == ClientStatusError }

// Live reads the liveness field: (true, true) live, (false, true) not live, (false, false) when
// absent or unknown. Note Unico's rule: when unicoId is "yes" the liveness field is omitted
// because the identity result already includes liveness; that inference is the caller's.
func (p ClientProcess) Live() (live bool, known bool) {
	switch p.Liveness {
	case LivenessLive:
		return true, true
	case LivenessNotLive:
		return false, true
	}
	return false, false
}

// OneToOneMatched reads the 1:1 validation result from either shape Unico documents:
// "authenticated": true|false (seed 002) or "biometryToken": {"result": "true"|true} (seed 004).
// A definite "no" in either wins over a "yes" in the other. known is false when neither field
// carries a boolean-like value.
func (p ClientProcess) OneToOneMatched() (matched bool, known bool) {
	var anyTrue, anyFalse bool
	if p.Authenticated != nil {
		if *p.Authenticated {
			anyTrue = true
		} else {
			anyFalse = true
		}
	}
	if v, ok := p.BiometryToken.Bool(); ok {
		if v {
			anyTrue = true
		} else {
			anyFalse = true
		}
	}
	switch {
	case anyFalse:
		return false, true
	case anyTrue:
		return true, true
	}
	return false, false
}

// Government is the government-base result.
type Government struct {
	Serpro *int `json:"serpro,omitempty"` // similarity 0–100, or -1/-2 (meaning not published)
}

// UnmarshalJSON decodes tolerantly.
func (g *Government) UnmarshalJSON(b []byte) error { return decodeLoose(b, g) }

// ClientDocument is document{} of a by-Client document process. Content is decoded by Type.
type ClientDocument struct {
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type,omitempty"`
	CPFMatch *bool    `json:"cpfMatch,omitempty"` // documented as a string; "true"/"false" accepted
	Content  OCRData  `json:"content,omitzero"`
	FileURLs []string `json:"fileUrls,omitempty"` // signed, valid 10 minutes
}

// UnmarshalJSON decodes tolerantly, then content as OCR of Type.
func (d *ClientDocument) UnmarshalJSON(b []byte) error {
	var w struct {
		ID       string          `json:"id"`
		Type     string          `json:"type"`
		CPFMatch *bool           `json:"cpfMatch"`
		Content  json.RawMessage `json:"content"`
		FileURLs []string        `json:"fileUrls"`
	}
	if err := decodeLoose(b, &w); err != nil {
		return err
	}
	ocr, err := DecodeOCR(w.Type, w.Content)
	if err != nil {
		return withPath(err, "content")
	}
	*d = ClientDocument{ID: w.ID, Type: w.Type, CPFMatch: w.CPFMatch, Content: ocr, FileURLs: w.FileURLs}
	return nil
}

// ProcessAdditionalInfo is processAdditionalInfo of GET /processes/v2/{id}. Everything but
// TransactionID and FinishedAt is personal data (PersonImage is the selfie).
type ProcessAdditionalInfo struct {
	TransactionID  string     `json:"transactionId,omitempty"`
	PersonName     string     `json:"personName,omitempty"`
	PersonDocument FlexString `json:"personDocument,omitempty"`
	PersonImage    string     `json:"personImage,omitempty"`
	FinishedAt     Timestamp  `json:"finishedAt,omitzero"`
}

// UnmarshalJSON decodes tolerantly.
func (i *ProcessAdditionalInfo) UnmarshalJSON(b []byte) error { return decodeLoose(b, i) }

// UnknownClientEnums lists the undocumented values of a by-Client process as "field=value":
// status outside 1..5, liveness outside 1..2, result strings outside yes/no/inconclusive (and
// true/false for biometryToken). Safe to log.
func UnknownClientEnums(p ClientProcess) []string {
	var out []string
	if p.Status < ClientStatusInProgress || p.Status > ClientStatusError {
		out = append(out, "status="+strconv.Itoa(p.Status))
	}
	if p.Liveness != 0 && p.Liveness != LivenessLive && p.Liveness != LivenessNotLive {
		out = append(out, "liveness="+strconv.Itoa(p.Liveness))
	}
	triad := func(field string, r *Result) {
		if r == nil || r.Result == "" || r.Yes() || r.No() || r.Inconclusive() {
			return
		}
		out = append(out, field+"="+sanitizeEnum(r.Result))
	}
	triad("unicoId.result", p.UnicoID)
	triad("identityFraudsters.result", p.IdentityFraudsters)
	triad("silentAuth.result", p.SilentAuth)
	if r := p.BiometryToken; r != nil && r.Result != "" {
		if _, ok := r.Bool(); !ok {
			out = append(out, "biometryToken.result="+sanitizeEnum(r.Result))
		}
	}
	return out
}

// ClientWebhookEvent is the by-Client webhook body as shown by a third party (legacy Unico Check
// format; unconfirmed): {"eventDate", "event", "data": {"id", "status", "score"}}.
type ClientWebhookEvent struct {
	EventDate Timestamp `json:"eventDate,omitzero"`
	Event     string    `json:"event,omitempty"`
	Data      struct {
		ID     string   `json:"id"`
		Status int      `json:"status"`
		Score  *float64 `json:"score,omitempty"`
	} `json:"data"`
}

// UnmarshalJSON decodes tolerantly.
func (e *ClientWebhookEvent) UnmarshalJSON(b []byte) error { return decodeLoose(b, e) }

// ReusableDocuments is the GET /documents/v1 response. Items without a documentId (Unico's
// "nothing found" example is {"items":[{}]}) are dropped when decoding, so an empty Items means
// no reusable document.
type ReusableDocuments struct {
	Items []ReusableDocument `json:"items"`
}

// ReusableDocument is one reusable document.
type ReusableDocument struct {
	DocumentType string `json:"documentType,omitempty"`
	DocumentID   string `json:"documentId,omitempty"`
}

// UnmarshalJSON decodes tolerantly and drops items without documentId.
func (r *ReusableDocuments) UnmarshalJSON(b []byte) error {
	var w struct {
		Items []ReusableDocument `json:"items"`
	}
	if err := decodeLoose(b, &w); err != nil {
		return err
	}
	var items []ReusableDocument
	for _, it := range w.Items {
		if strings.TrimSpace(it.DocumentID) != "" {
			items = append(items, it)
		}
	}
	r.Items = items
	return nil
}

// Empty reports that no reusable document was found.
func (r ReusableDocuments) Empty() bool { return len(r.Items) == 0 }

// Kind returns the normalised code of the document type (CNH, RG, CIN, PASSPORT or UNKNOWN).
func (d ReusableDocument) Kind() DocumentCode { return NormalizeDocumentCode(d.DocumentType) }
