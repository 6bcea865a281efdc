package unico

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Types that carry personal data or secrets print and log without them: String/GoString serve
// fmt (%v, %+v, %#v, also when nested), LogValue serves log/slog (text and JSON handlers).

// MaskCPF masks a CPF as "***.***.***-NN" (the last two digits are the check digits, which
// carry no identifying information on their own). Anything not 11 digits becomes "***".
func MaskCPF(s string) string {
	if len(s) != 11 || !digitsRE.MatchString(s) {
		return "***"
	}
	return "***.***.***-" + s[9:]
}

func present(s string) string {
	if s == "" {
		return "absent"
	}
	return "redacted"
}

// String prints the document type and which contact fields are present.
func (p Person) String() string {
	return fmt.Sprintf("unico.Person{duiType:%s duiValue:%s friendlyName:%s phone:%s email:%s notifications:%d}",
		sanitizeEnum(string(p.DUIType)), present(string(p.DUIValue)), present(p.FriendlyName), present(string(p.Phone)), present(p.Email), len(p.Notifications))
}

// GoString is String.
func (p Person) GoString() string { return p.String() }

// LogValue logs the document type and the channels only.
func (p Person) LogValue() slog.Value {
	return slog.GroupValue(slog.String("duiType", sanitizeEnum(string(p.DUIType))), slog.Int("notifications", len(p.Notifications)))
}

// String prints which fields are present, never their values.
func (s Subject) String() string {
	return fmt.Sprintf("unico.Subject{duiType:%s code:%s name:%s email:%s phone:%s}",
		sanitizeEnum(string(s.DUIType)), present(s.Code), present(s.Name), present(s.Email), present(s.Phone))
}

// GoString is String.
func (s Subject) GoString() string { return s.String() }

// LogValue logs nothing personal.
func (s Subject) LogValue() slog.Value {
	return slog.GroupValue(slog.String("duiType", sanitizeEnum(string(s.DUIType))))
}

// String prints the request shape without the selfie, the subject or document images.
func (r ClientProcessRequest) String() string {
	docs := 0
	if r.Document != nil {
		docs = len(r.Document.Files)
	}
	return fmt.Sprintf("unico.ClientProcessRequest{subject:%s imageBase64:%s references:%d documentFiles:%d}",
		present(r.Subject.Code), present(r.ImageBase64), len(r.References), docs)
}

// GoString is String.
func (r ClientProcessRequest) GoString() string { return r.String() }

// LogValue logs the request shape only.
func (r ClientProcessRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("image", r.ImageBase64 != ""), slog.Int("references", len(r.References)), slog.Bool("document", r.Document != nil))
}

// String prints flow, purpose and shape, without the person or the PDFs.
func (r CreateProcessRequest) String() string {
	return fmt.Sprintf("unico.CreateProcessRequest{flow:%s purpose:%s person:%t payload:%d}",
		sanitizeEnum(string(r.Flow)), sanitizeEnum(string(r.Purpose)), r.Person != nil, len(r.Payload))
}

// GoString is String.
func (r CreateProcessRequest) GoString() string { return r.String() }

// LogValue logs flow and purpose.
func (r CreateProcessRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("flow", sanitizeEnum(string(r.Flow))), slog.String("purpose", sanitizeEnum(string(r.Purpose))), slog.Int("payload", len(r.Payload)))
}

// String hides the document value.
func (r SetDocumentRequest) String() string {
	return "unico.SetDocumentRequest{duiType:" + sanitizeEnum(string(r.DUIType)) + " duiValue:" + present(r.DUIValue) + "}"
}

// GoString is String.
func (r SetDocumentRequest) GoString() string { return r.String() }

// String hides everything but the transaction id.
func (i ProcessAdditionalInfo) String() string {
	return "unico.ProcessAdditionalInfo{transactionId:" + i.TransactionID + " personal data redacted}"
}

// GoString is String.
func (i ProcessAdditionalInfo) GoString() string { return i.String() }

// LogValue logs the transaction id only.
func (i ProcessAdditionalInfo) LogValue() slog.Value {
	return slog.GroupValue(slog.String("transactionId", i.TransactionID))
}

// String prints the kind and the number of fields extracted.
func (o OCRData) String() string {
	return "unico.OCRData{" + string(o.Kind) + ", " + strconv.Itoa(o.FieldCount()) + " fields}"
}

// GoString is String.
func (o OCRData) GoString() string { return o.String() }

// LogValue logs the kind and the number of fields.
func (o OCRData) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", string(o.Kind)), slog.Int("fields", o.FieldCount()))
}

func (d CNHData) String() string      { return "unico.CNHData{redacted}" }
func (d RGData) String() string       { return "unico.RGData{redacted}" }
func (d CINData) String() string      { return "unico.CINData{redacted}" }
func (d PassportData) String() string { return "unico.PassportData{redacted}" }
func (d UnknownData) String() string  { return "unico.UnknownData{redacted}" }

// GoString is String.
func (d CNHData) GoString() string { return d.String() }

// GoString is String.
func (d RGData) GoString() string { return d.String() }

// GoString is String.
func (d CINData) GoString() string { return d.String() }

// GoString is String.
func (d PassportData) GoString() string { return d.String() }

// GoString is String.
func (d UnknownData) GoString() string { return d.String() }

// LogValue logs the process without personal data (no person, OCR, token or URLs).
func (p Process) LogValue() slog.Value {
	a := p.AuthenticationInfo
	return slog.GroupValue(
		slog.String("id", p.ID),
		slog.String("flow", sanitizeEnum(string(p.Flow))),
		slog.String("state", sanitizeEnum(string(p.State))),
		slog.String("result", sanitizeEnum(string(p.Result))),
		slog.String("authenticationResult", sanitizeEnum(string(a.AuthenticationResult))),
		slog.String("livenessResult", sanitizeEnum(string(a.LivenessResult))),
		slog.Int("documents", len(p.Documents())),
	)
}

// LogValue logs the verdict fields only.
func (p ClientProcess) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("id", p.ID), slog.Int("status", p.Status), slog.Int("liveness", p.Liveness)}
	if p.UnicoID != nil {
		attrs = append(attrs, slog.String("unicoId", sanitizeEnum(p.UnicoID.Result)))
	}
	if p.IdentityFraudsters != nil {
		attrs = append(attrs, slog.String("identityFraudsters", sanitizeEnum(p.IdentityFraudsters.Result)))
	}
	return slog.GroupValue(attrs...)
}

// String prints what LogValue logs.
func (p Process) String() string {
	a := p.AuthenticationInfo
	return fmt.Sprintf("unico.Process{id:%s flow:%s state:%s result:%s authenticationResult:%s livenessResult:%s documents:%d}",
		p.ID, sanitizeEnum(string(p.Flow)), sanitizeEnum(string(p.State)), sanitizeEnum(string(p.Result)),
		sanitizeEnum(string(a.AuthenticationResult)), sanitizeEnum(string(a.LivenessResult)), len(p.Documents()))
}

// GoString is String.
func (p Process) GoString() string { return p.String() }

// String prints the verdict fields only.
func (p ClientProcess) String() string {
	r := func(x *Result) string {
		if x == nil {
			return "-"
		}
		return sanitizeEnum(x.Result)
	}
	return fmt.Sprintf("unico.ClientProcess{id:%s status:%d liveness:%d unicoId:%s identityFraudsters:%s biometryToken:%s document:%t}",
		p.ID, p.Status, p.Liveness, r(p.UnicoID), r(p.IdentityFraudsters), r(p.BiometryToken), p.Document != nil)
}

// GoString is String.
func (p ClientProcess) GoString() string { return p.String() }
