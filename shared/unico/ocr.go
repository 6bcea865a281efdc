package unico

import (
	"bytes"
	"encoding/json"
	"strings"
)

// OCR extraction results (services[].documents[].doc.data in by Unico, document.content in by
// Client). Field lists follow Unico's per-type tables; every key is accepted in snake_case or
// camelCase ("data_habilitacao"/"dataHabilitacao"), numbers are accepted where strings are
// documented, dates keep their raw text (Unico's examples hold dates such as 2025-10-35), and
// any key not listed lands in Extra (numbers as json.Number). "If we are unable to extract a
// field from the document, it is not listed in the API return."
//
// All of it is personal data: String and LogValue never print the values.

// CNHData is the OCR of a CNH (Brazilian driving licence).
type CNHData struct {
	Numero          FlexString     `json:"numero,omitempty"`
	RGNumero        FlexString     `json:"rgNumero,omitempty"`
	CPFNumero       FlexString     `json:"cpfNumero,omitempty"`
	NomeCivil       FlexString     `json:"nomeCivil,omitempty"`
	Filiacao        []string       `json:"filiacao,omitempty"`
	DataNascimento  Timestamp      `json:"dataNascimento,omitzero"`
	DataHabilitacao Timestamp      `json:"dataHabilitacao,omitzero"`
	DataExpiracao   Timestamp      `json:"dataExpiracao,omitzero"`
	DataEmissao     Timestamp      `json:"dataEmissao,omitzero"`
	LocalEmissao    FlexString     `json:"localEmissao,omitempty"`
	Categoria       FlexString     `json:"categoria,omitempty"`
	RenachNumero    FlexString     `json:"renachNumero,omitempty"`
	Extra           map[string]any `json:"-"`
}

// RGData is the OCR of an RG (general registration).
type RGData struct {
	Numero                     FlexString     `json:"numero,omitempty"`
	OrgaoEmissor               FlexString     `json:"orgaoEmissor,omitempty"`
	UFEmissor                  FlexString     `json:"ufEmissor,omitempty"`
	CPFNumero                  FlexString     `json:"cpfNumero,omitempty"`
	CarteiraProfissionalNumero FlexString     `json:"carteiraProfissionalNumero,omitempty"`
	CertificadoMilitarNumero   FlexString     `json:"certificadoMilitarNumero,omitempty"`
	CNSNumero                  FlexString     `json:"cnsNumero,omitempty"`
	NISPISPASEPNumero          FlexString     `json:"nisPisPasepNumero,omitempty"`
	CTPSNumero                 FlexString     `json:"ctpsNumero,omitempty"`
	CTPSSerie                  FlexString     `json:"ctpsSerie,omitempty"`
	CTPSUF                     FlexString     `json:"ctpsUf,omitempty"`
	TituloEleitorNumero        FlexString     `json:"tituloEleitorNumero,omitempty"`
	NomeCivil                  FlexString     `json:"nomeCivil,omitempty"`
	NomeSocial                 FlexString     `json:"nomeSocial,omitempty"`
	Filiacao                   []string       `json:"filiacao,omitempty"`
	DataNascimento             Timestamp      `json:"dataNascimento,omitzero"`
	Naturalidade               FlexString     `json:"naturalidade,omitempty"`
	DataEmissao                Timestamp      `json:"dataEmissao,omitzero"`
	Extra                      map[string]any `json:"-"`
}

// CINData is the OCR of a CIN (new Brazilian national identity card).
type CINData struct {
	RGNumero       FlexString     `json:"rgNumero,omitempty"`
	CPFNumero      FlexString     `json:"cpfNumero,omitempty"`
	NomeCivil      FlexString     `json:"nomeCivil,omitempty"`
	NomeSocial     FlexString     `json:"nomeSocial,omitempty"`
	Filiacao       []string       `json:"filiacao,omitempty"`
	DataNascimento Timestamp      `json:"dataNascimento,omitzero"`
	DataExpiracao  Timestamp      `json:"dataExpiracao,omitzero"`
	DataEmissao    Timestamp      `json:"dataEmissao,omitzero"`
	OrgaoEmissor   FlexString     `json:"orgaoEmissor,omitempty"`
	LocalEmissao   FlexString     `json:"localEmissao,omitempty"`
	Naturalidade   FlexString     `json:"naturalidade,omitempty"`
	Nacionalidade  FlexString     `json:"nacionalidade,omitempty"`
	Extra          map[string]any `json:"-"`
}

// PassportData is the OCR of a Brazilian passport (code PASSAPORTE or PASSPORT).
type PassportData struct {
	Numero         FlexString     `json:"numero,omitempty"`
	Nome           FlexString     `json:"nome,omitempty"`
	Sobrenome      FlexString     `json:"sobrenome,omitempty"`
	PaisEmissor    FlexString     `json:"paisEmissor,omitempty"`
	Nacionalidade  FlexString     `json:"nacionalidade,omitempty"`
	Naturalidade   FlexString     `json:"naturalidade,omitempty"` // Unico's example holds "<nil>": see FlexString.Clean
	DataNascimento Timestamp      `json:"dataNascimento,omitzero"`
	DataEmissao    Timestamp      `json:"dataEmissao,omitzero"`
	DataExpiracao  Timestamp      `json:"dataExpiracao,omitzero"`
	Autoridade     FlexString     `json:"autoridade,omitempty"`
	Extra          map[string]any `json:"-"`
}

// UnknownData is the OCR of a document Unico could not classify: every key is in Extra.
type UnknownData struct {
	Extra map[string]any `json:"-"`
}

// UnmarshalJSON decodes tolerantly (snake/camel keys, numbers as strings, unknown keys to Extra).
func (d *CNHData) UnmarshalJSON(b []byte) error { return decodeLoose(b, d) }

// UnmarshalJSON decodes tolerantly.
func (d *RGData) UnmarshalJSON(b []byte) error { return decodeLoose(b, d) }

// UnmarshalJSON decodes tolerantly.
func (d *CINData) UnmarshalJSON(b []byte) error { return decodeLoose(b, d) }

// UnmarshalJSON decodes tolerantly.
func (d *PassportData) UnmarshalJSON(b []byte) error { return decodeLoose(b, d) }

// UnmarshalJSON puts every key in Extra.
func (d *UnknownData) UnmarshalJSON(b []byte) error { return decodeLoose(b, d) }

// MarshalJSON writes the typed fields and the Extra keys.
func (d CNHData) MarshalJSON() ([]byte, error) {
	type plain CNHData
	return marshalWithExtra(plain(d), d.Extra)
}

// MarshalJSON writes the typed fields and the Extra keys.
func (d RGData) MarshalJSON() ([]byte, error) {
	type plain RGData
	return marshalWithExtra(plain(d), d.Extra)
}

// MarshalJSON writes the typed fields and the Extra keys.
func (d CINData) MarshalJSON() ([]byte, error) {
	type plain CINData
	return marshalWithExtra(plain(d), d.Extra)
}

// MarshalJSON writes the typed fields and the Extra keys.
func (d PassportData) MarshalJSON() ([]byte, error) {
	type plain PassportData
	return marshalWithExtra(plain(d), d.Extra)
}

// MarshalJSON writes the Extra keys.
func (d UnknownData) MarshalJSON() ([]byte, error) {
	if d.Extra == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(d.Extra)
}

// OCRData is the OCR content of one document, decoded into the struct of its type. Exactly one
// of the pointers is set after decoding a non-null object; Raw keeps the bytes as received.
type OCRData struct {
	Kind     DocumentCode // normalised: CNH, RG, CIN, PASSPORT or UNKNOWN
	CNH      *CNHData
	RG       *RGData
	CIN      *CINData
	Passport *PassportData
	Unknown  *UnknownData
	Raw      json.RawMessage
}

// NormalizeDocumentCode maps the spellings Unico uses for a document type — doc.code ("CNH",
// "PASSAPORTE"), the by-Client document.type, the reuse query ("BR_CNH") and the reuse
// documentType ("unico.moja.dictionary.br.cnh.v2.Cnh") — to CNH, RG, CIN, PASSPORT or UNKNOWN.
func NormalizeDocumentCode(s string) DocumentCode {
	tokens := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	for _, t := range tokens {
		switch t {
		case "cnh":
			return DocumentCodeCNH
		case "rg":
			return DocumentCodeRG
		case "cin":
			return DocumentCodeCIN
		case "passaporte", "passport":
			return DocumentCodePassport
		}
	}
	return DocumentCodeUnknown
}

// DecodeOCR decodes OCR content for a document of the given code or type (see
// NormalizeDocumentCode); Raw keeps the content compacted. It accepts an object, or a list of objects (merged; Unico's by-Client
// table calls document.content a "list"). Content that is not an object is kept in Raw only.
func DecodeOCR(code string, data []byte) (OCRData, error) {
	data = bytes.TrimSpace(data)
	o := OCRData{Kind: NormalizeDocumentCode(code)}
	if len(data) == 0 || isNull(data) {
		return o, nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return o, &DecodeError{Reason: "invalid JSON"}
	}
	o.Raw = json.RawMessage(compact.Bytes())
	obj := data
	if data[0] == '[' {
		merged, ok := mergeObjects(data)
		if !ok {
			return o, nil
		}
		obj = merged
	} else if data[0] != '{' {
		return o, nil
	}
	var err error
	switch o.Kind {
	case DocumentCodeCNH:
		o.CNH = new(CNHData)
		err = decodeLoose(obj, o.CNH)
	case DocumentCodeRG:
		o.RG = new(RGData)
		err = decodeLoose(obj, o.RG)
	case DocumentCodeCIN:
		o.CIN = new(CINData)
		err = decodeLoose(obj, o.CIN)
	case DocumentCodePassport:
		o.Passport = new(PassportData)
		err = decodeLoose(obj, o.Passport)
	default:
		o.Unknown = new(UnknownData)
		err = decodeLoose(obj, o.Unknown)
	}
	return o, err
}

func mergeObjects(data []byte) ([]byte, bool) {
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return nil, false
	}
	merged := map[string]json.RawMessage{}
	for _, e := range elems {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e, &m); err != nil {
			return nil, false
		}
		for k, v := range m {
			merged[k] = v
		}
	}
	b, err := json.Marshal(merged)
	return b, err == nil
}

// UnmarshalJSON without a document code (a bare OCR object) classifies nothing: every key goes
// to Unknown.Extra. Process and ClientProcess decoding use the code instead.
func (o *OCRData) UnmarshalJSON(b []byte) error {
	d, err := DecodeOCR("", b)
	if err != nil {
		return err
	}
	*o = d
	return nil
}

// MarshalJSON writes Raw when set (exact round trip), else the typed content.
func (o OCRData) MarshalJSON() ([]byte, error) {
	if len(o.Raw) > 0 {
		return o.Raw, nil
	}
	switch {
	case o.CNH != nil:
		return json.Marshal(o.CNH)
	case o.RG != nil:
		return json.Marshal(o.RG)
	case o.CIN != nil:
		return json.Marshal(o.CIN)
	case o.Passport != nil:
		return json.Marshal(o.Passport)
	case o.Unknown != nil:
		return json.Marshal(o.Unknown)
	}
	return []byte("null"), nil
}

// IsZero reports no content at all.
func (o OCRData) IsZero() bool {
	return len(o.Raw) == 0 && o.CNH == nil && o.RG == nil && o.CIN == nil && o.Passport == nil && o.Unknown == nil
}

// Extra returns the unlisted keys of whichever type was decoded.
func (o OCRData) Extra() map[string]any {
	switch {
	case o.CNH != nil:
		return o.CNH.Extra
	case o.RG != nil:
		return o.RG.Extra
	case o.CIN != nil:
		return o.CIN.Extra
	case o.Passport != nil:
		return o.Passport.Extra
	case o.Unknown != nil:
		return o.Unknown.Extra
	}
	return nil
}

// FieldCount is the number of fields extracted (typed and Extra); it is safe to log.
func (o OCRData) FieldCount() int {
	var m map[string]json.RawMessage
	if json.Unmarshal(o.rawObject(), &m) != nil {
		return 0
	}
	n := 0
	for _, v := range m {
		if !isNull(bytes.TrimSpace(v)) {
			n++
		}
	}
	return n
}

func (o OCRData) rawObject() []byte {
	if len(o.Raw) > 0 && o.Raw[0] == '{' {
		return o.Raw
	}
	b, _ := o.MarshalJSON()
	if len(b) > 0 && b[0] == '[' {
		b, _ = mergeObjects(b)
	}
	return b
}

func extraText(extra map[string]any, names ...string) FlexString {
	for _, want := range names {
		for k, v := range extra {
			if normKey(k) != normKey(want) {
				continue
			}
			switch t := v.(type) {
			case string:
				return FlexString(t)
			case json.Number:
				return FlexString(t.String())
			}
		}
	}
	return ""
}

func extraTime(extra map[string]any, names ...string) Timestamp {
	if s := extraText(extra, names...); s != "" {
		return ParseTimestamp(string(s))
	}
	return Timestamp{}
}

// CPF returns the CPF read from the document, if any.
func (o OCRData) CPF() FlexString {
	var v FlexString
	switch {
	case o.CNH != nil:
		v = o.CNH.CPFNumero
	case o.RG != nil:
		v = o.RG.CPFNumero
	case o.CIN != nil:
		v = o.CIN.CPFNumero
	}
	if v == "" {
		v = extraText(o.Extra(), "cpfNumero", "cpf")
	}
	return v
}

// Name returns the civil name (or name + surname for a passport), if read.
func (o OCRData) Name() string {
	switch {
	case o.CNH != nil && o.CNH.NomeCivil != "":
		return o.CNH.NomeCivil.Clean()
	case o.RG != nil && o.RG.NomeCivil != "":
		return o.RG.NomeCivil.Clean()
	case o.CIN != nil && o.CIN.NomeCivil != "":
		return o.CIN.NomeCivil.Clean()
	case o.Passport != nil && (o.Passport.Nome != "" || o.Passport.Sobrenome != ""):
		return strings.TrimSpace(o.Passport.Nome.Clean() + " " + o.Passport.Sobrenome.Clean())
	}
	return extraText(o.Extra(), "nomeCivil", "nome").Clean()
}

// BirthDate returns the date of birth, if read.
func (o OCRData) BirthDate() Timestamp {
	var t Timestamp
	switch {
	case o.CNH != nil:
		t = o.CNH.DataNascimento
	case o.RG != nil:
		t = o.RG.DataNascimento
	case o.CIN != nil:
		t = o.CIN.DataNascimento
	case o.Passport != nil:
		t = o.Passport.DataNascimento
	}
	if t.IsZero() {
		t = extraTime(o.Extra(), "dataNascimento")
	}
	return t
}

// ExpiryDate returns the expiry date, if read (an RG has none in Unico's table, but Unico's own
// GetProcess example carries one for an RG; it is then read from Extra).
func (o OCRData) ExpiryDate() Timestamp {
	var t Timestamp
	switch {
	case o.CNH != nil:
		t = o.CNH.DataExpiracao
	case o.CIN != nil:
		t = o.CIN.DataExpiracao
	case o.Passport != nil:
		t = o.Passport.DataExpiracao
	}
	if t.IsZero() {
		t = extraTime(o.Extra(), "dataExpiracao")
	}
	return t
}
