package unicosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// JSON shapes of GetProcess (by Unico), field order as in seeds 001 and 003.

type scoreJSON struct {
	ScoreEnabled string `json:"scoreEnabled"`
	Score        int    `json:"score"`
}

type serproJSON struct {
	Score int `json:"score"`
}

type authInfoJSON struct {
	AuthenticationResult     string     `json:"authenticationResult"`
	AuthenticationID         string     `json:"authenticationId"`
	LivenessResult           string     `json:"livenessResult"`
	BioTokenEngineResult     string     `json:"bioTokenEngineResult"`
	TrustResult              string     `json:"trustResult"`
	IdentityFraudstersResult string     `json:"identityFraudstersResult"`
	FaceWithOtherIDResult    string     `json:"faceWithOtherIdResult"`
	FrictionlessResult       string     `json:"frictionlessResult"`
	RiskLevelResult          string     `json:"riskLevelResult"`
	SmartRevalidationResult  string     `json:"smartRevalidationResult"`
	IDAgeResult              string     `json:"idAgeResult"`
	ScoreEngineResult        scoreJSON  `json:"scoreEngineResult"`
	SerproResult             serproJSON `json:"serproResult"`
}

type docJSON struct {
	Version int             `json:"version"`
	Code    string          `json:"code"`
	Data    json.RawMessage `json:"data"`
}

type docEntryJSON struct {
	Doc         docJSON `json:"doc"`
	Typified    bool    `json:"typified"`
	CPFMatch    bool    `json:"cpf_match"`
	FaceMatch   bool    `json:"face_match"`
	DocID       string  `json:"doc_id"`
	ValidateDoc bool    `json:"validate_doc"`
	ReusedDoc   bool    `json:"reused_doc"`
	SignedURL   string  `json:"signed_url"`
}

type docServiceJSON struct {
	Documents      []docEntryJSON `json:"documents"`
	ConsentGranted bool           `json:"consent_granted"`
}

type signServiceJSON struct {
	EnvelopeID  string   `json:"envelopeId"`
	DocumentIDs []string `json:"documentIds"`
}

type companyDataJSON struct {
	BranchID    string `json:"branchId"`
	CountryCode string `json:"countryCode"`
}

type bioTokenDataJSON struct {
	ReferenceProcessID string `json:"referenceProcessId"`
	AuthenticationID   string `json:"authenticationId"`
}

type processJSON struct {
	ID                   string            `json:"id"`
	Flow                 string            `json:"flow"`
	CallbackURI          string            `json:"callbackUri"`
	UserRedirectURL      string            `json:"userRedirectUrl"`
	State                string            `json:"state"`
	Result               string            `json:"result"`
	CreatedAt            string            `json:"createdAt"`
	FinishedAt           string            `json:"finishedAt,omitempty"`
	Person               *personData       `json:"person"`
	Purpose              string            `json:"purpose"`
	AuthenticationInfo   authInfoJSON      `json:"authenticationInfo"`
	Capacities           []string          `json:"capacities"`
	Services             []any             `json:"services,omitempty"`
	ExpiresAt            string            `json:"expiresAt"`
	Token                string            `json:"token"`
	CompanyData          companyDataJSON   `json:"companyData"`
	BioTokenData         *bioTokenDataJSON `json:"bioTokenData,omitempty"`
	ClientReference      string            `json:"clientReference,omitempty"`
	UseCase              string            `json:"useCase,omitempty"`
	LastEvent            string            `json:"lastEvent,omitempty"`
	LastEventDescription string            `json:"lastEventDescription,omitempty"`
}

func unspecifiedAuthInfo() authInfoJSON {
	return authInfoJSON{
		AuthenticationResult:     "AUTHENTICATION_RESULT_UNSPECIFIED",
		LivenessResult:           "LIVENESS_RESULT_UNSPECIFIED",
		BioTokenEngineResult:     "BIO_TOKEN_ENGINE_RESULT_UNSPECIFIED",
		TrustResult:              "TRUST_RESULT_UNSPECIFIED",
		IdentityFraudstersResult: "TRUST_RESULT_UNSPECIFIED",
		FaceWithOtherIDResult:    "TRUST_RESULT_UNSPECIFIED",
		FrictionlessResult:       "FRICTIONLESS_RESULT_UNSPECIFIED",
		RiskLevelResult:          "TRUST_RESULT_UNSPECIFIED",
		SmartRevalidationResult:  "SMART_REVALIDATION_RESULT_UNSPECIFIED",
		IDAgeResult:              "ID_AGE_RESULT_UNSPECIFIED",
		ScoreEngineResult:        scoreJSON{ScoreEnabled: "SCORE_ENABLED_UNSPECIFIED"},
	}
}

// authInfo renders the capability results of a finished process ("All authenticationInfo response
// parameters will be returned regardless of the flow used").
func (p *process) authInfo() authInfoJSON {
	a := unspecifiedAuthInfo()
	if p.state != stFinished {
		return a
	}
	o, f := p.outcome, p.fi
	a.AuthenticationID = p.authID
	a.LivenessResult = "LIVENESS_RESULT_" + o.liveness
	a.ScoreEngineResult = scoreJSON{ScoreEnabled: "SCORE_ENABLED_FALSE"}
	live := o.liveness == "LIVE"
	if f.identity {
		a.AuthenticationResult = "AUTHENTICATION_RESULT_" + o.auth
		if o.hasScore {
			a.ScoreEngineResult = scoreJSON{ScoreEnabled: "SCORE_ENABLED_TRUE", Score: o.score}
		}
	}
	if f.token && live {
		a.BioTokenEngineResult = "BIO_TOKEN_ENGINE_RESULT_" + o.bioToken
	}
	if (f.identity || f.token || f.trust) && live {
		switch {
		case o.fraudsters != "":
			a.IdentityFraudstersResult = "TRUST_RESULT_" + o.fraudsters
		case f.trust:
			a.IdentityFraudstersResult = "TRUST_RESULT_INCONCLUSIVE"
		}
	}
	if f.smart && live {
		// GUESS: only SMART_REVALIDATION_RESULT_UNSPECIFIED was ever seen.
		a.SmartRevalidationResult = "SMART_REVALIDATION_RESULT_POSITIVE"
		if o.auth == "NEGATIVE" {
			a.SmartRevalidationResult = "SMART_REVALIDATION_RESULT_NEGATIVE"
		}
	}
	if f.serpro && live {
		a.SerproResult.Score = 50
		if o.auth == "POSITIVE" {
			a.SerproResult.Score = 90
		}
	}
	return a
}

func (s *Simulator) renderProcessLocked(p *process, base string) []byte {
	pj := processJSON{
		ID:                 p.id,
		Flow:               p.fi.name,
		CallbackURI:        p.callbackURI,
		UserRedirectURL:    s.cfg.JourneyBaseURL + "/" + p.id,
		State:              p.state,
		Result:             p.result,
		CreatedAt:          ts(p.createdAt),
		Person:             p.person,
		Purpose:            p.purpose,
		AuthenticationInfo: p.authInfo(),
		Capacities:         p.fi.capacities(),
		ExpiresAt:          ts(p.expiresAt),
		CompanyData:        companyDataJSON{BranchID: defaultBranchID, CountryCode: "BRA"},
		ClientReference:    p.clientReference,
		UseCase:            p.useCase,
	}
	if pj.Person == nil {
		pj.Person = &personData{}
	}
	if p.companyBranchID != "" {
		pj.CompanyData.BranchID = p.companyBranchID
	}
	if p.state == stCreated || p.state == stAwaitingDocument {
		pj.Token = p.token
	} else {
		pj.FinishedAt = ts(p.finished)
		pj.LastEvent, pj.LastEventDescription = p.lastEvent, p.lastEventDescription
	}
	if p.fi.token {
		pj.BioTokenData = &bioTokenDataJSON{ReferenceProcessID: p.bioTokenID, AuthenticationID: p.authID}
	}
	quirks := p.outcome.quirks && p.state == stFinished
	if p.docID != "" {
		pj.Services = append(pj.Services, docServiceJSON{
			Documents: []docEntryJSON{{
				Doc:         docJSON{Version: 2, Code: "RG", Data: ocrRGData(p.friendlyName(), p.cpf(), quirks)},
				Typified:    true,
				CPFMatch:    true,
				FaceMatch:   true,
				DocID:       p.docID,
				ValidateDoc: true,
				ReusedDoc:   false,
				SignedURL:   s.fileURL(base, p.docID, "document.pdf", signedURLLifetime),
			}},
			ConsentGranted: true,
		})
	}
	if p.envelopeID != "" {
		ids := make([]string, len(p.signDocs))
		for i, d := range p.signDocs {
			ids[i] = d.id
		}
		pj.Services = append(pj.Services, signServiceJSON{EnvelopeID: p.envelopeID, DocumentIDs: ids})
	}
	env := struct {
		Process processJSON `json:"process"`
	}{pj}
	if quirks {
		b, _ := json.MarshalIndent(env, "", "")
		return addTrailingCommas(b)
	}
	b, _ := json.Marshal(env)
	return b
}

// addTrailingCommas reproduces the seeds' trailing commas ("],\n}," ...) on one-token-per-line JSON
// (MarshalIndent output, whose strings never contain raw newlines).
func addTrailingCommas(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i := 0; i+1 < len(lines); i++ {
		next := bytes.TrimSpace(lines[i+1])
		cur := bytes.TrimSpace(lines[i])
		if len(next) == 0 || (next[0] != '}' && next[0] != ']') || len(cur) == 0 {
			continue
		}
		last := cur[len(cur)-1]
		if last == '{' || last == '[' || last == ',' || i == 0 {
			continue
		}
		lines[i] = append(lines[i], ',')
	}
	return bytes.Join(lines, []byte("\n"))
}

// ocrRGData is the doc.data block of seeds 001/003 (with the invalid date 2025-10-35 kept). Seed 003
// has the numbers as strings; seed 001 (numeric=true) has them as JSON numbers, which drops a CPF's
// leading zeros just as it would at Unico.
func ocrRGData(name, cpf string, numeric bool) json.RawMessage {
	nameJ, _ := json.Marshal(name)
	rg, num, cpfJ := `"5478854"`, `"85775532778"`, `"`+cpf+`"`
	if numeric {
		rg, num = `5478854`, `85775532778`
		cpfJ = strings.TrimLeft(cpf, "0")
		if cpfJ == "" {
			cpfJ = "0"
		}
	}
	return json.RawMessage(fmt.Sprintf(`{"dataExpiracao":"2025-10-35T00:00:00Z","dataHabilitacao":"2022-08-09T00:00:00Z",`+
		`"dataNascimento":"1950-06-30T00:00:00Z","nomeCivil":%s,"rgNumero":%s,"categoria":"D","cpfNumero":%s,`+
		`"dataEmissao":"2020-08-09T00:00:00Z","localEmissao":"DEREX SP","numero":%s,"renachNumero":""}`, nameJ, rg, cpfJ, num))
}

// fileURL is a signed, expiring URL on the simulator for a document image or PDF.
func (s *Simulator) fileURL(base, docID, name string, life time.Duration) string {
	exp := s.now().Add(life).Unix()
	return fmt.Sprintf("%s/__sim/files/%s/%s?expires=%d&sig=%s", base, docID, name, exp, s.sign(fmt.Sprintf("%s/%s/%d", docID, name, exp)))
}
