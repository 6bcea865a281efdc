package unico

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeProcessSeed(t *testing.T, name string) Process {
	t.Helper()
	var env ProcessEnvelope
	if err := Decode(readSeed(t, name), &env); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return env.Process
}

func TestSeedsHaveTrailingCommas(t *testing.T) {
	// The seed copies are verbatim: some are not valid JSON, which is why Decode repairs them.
	for _, name := range []string{"seed003_byunico_idlive.json", "seed003_byunico_iddocs.json", "seed003_byunico_idsign.json"} {
		if json.Valid(readSeed(t, name)) {
			t.Errorf("%s: expected the verbatim seed to be invalid JSON (trailing commas)", name)
		}
		if !json.Valid(RepairTrailingCommas(readSeed(t, name))) {
			t.Errorf("%s: still invalid after RepairTrailingCommas", name)
		}
	}
}

func TestDecodeSeed001GetProcess(t *testing.T) {
	p := decodeProcessSeed(t, "seed001_byunico_getprocess_idunicosign.json")
	if p.ID != "53060f52-f146-4c12-a234-5bb5031f6f5b" || p.Flow != FlowIDUnicoSign || !p.Flow.Known() {
		t.Fatalf("id/flow: %q %q", p.ID, p.Flow)
	}
	if p.CallbackURI != "/path/to/callback-url/" || !strings.HasPrefix(p.UserRedirectURL, "https://cadastro.dev.unico.app/process/") {
		t.Errorf("uris: %q %q", p.CallbackURI, p.UserRedirectURL)
	}
	if p.State != ProcessStateFinished || p.Result != ProcessResultOK || !p.Finished() {
		t.Errorf("state/result: %q %q", p.State, p.Result)
	}
	wantCreated := time.Date(2023, 10, 5, 18, 28, 58, 537985000, time.UTC)
	if !p.CreatedAt.Valid || !p.CreatedAt.Time.Equal(wantCreated) || p.CreatedAt.Raw != "2023-10-05T18:28:58.537985Z" {
		t.Errorf("createdAt: %+v", p.CreatedAt)
	}
	if !p.FinishedAt.Valid || !p.ExpiresAt.Valid || p.Token != "" {
		t.Errorf("finishedAt/expiresAt/token: %+v %+v %q", p.FinishedAt, p.ExpiresAt, p.Token)
	}
	if p.Person.DUIType != DUITypeBRCPF || p.Person.DUIValue != "73689290074" || p.Person.FriendlyName != "Luke Skywalker" {
		t.Errorf("person: %#v", p.Person.DUIValue)
	}
	if len(p.Person.Notifications) != 1 || p.Person.Notifications[0].NotificationChannel != NotificationChannelWhatsApp {
		t.Errorf("notifications: %v", p.Person.Notifications)
	}
	if p.Purpose != PurposeCreditProcess {
		t.Errorf("purpose %q", p.Purpose)
	}
	a := p.AuthenticationInfo
	want := AuthenticationInfo{
		AuthenticationResult:     AuthenticationResultInconclusive,
		AuthenticationID:         "fd433602-d496-4291-adbb-dda95a3e50b1",
		LivenessResult:           LivenessResultLive,
		BioTokenEngineResult:     BioTokenEngineResultUnspecified,
		TrustResult:              TrustResultUnspecified,
		IdentityFraudstersResult: TrustResultUnspecified,
		FaceWithOtherIDResult:    TrustResultUnspecified,
		FrictionlessResult:       FrictionlessResultUnspecified,
		RiskLevelResult:          TrustResultUnspecified,
		SmartRevalidationResult:  SmartRevalidationResultUnspecified,
		ScoreEngineResult:        ScoreEngineResult{ScoreEnabled: ScoreEnabledTrue, Score: 50},
		SerproResult:             &SerproResult{Score: 50},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("authenticationInfo:\n got %+v\nwant %+v", a, want)
	}
	wantCaps := []ProcessCapacity{CapacityIDUnico, CapacityIDSign, CapacityIDLive}
	if !reflect.DeepEqual(p.Capacities, wantCaps) || !p.HasCapacity(CapacityIDSign) || p.HasCapacity(CapacityIDDocs) {
		t.Errorf("capacities %v", p.Capacities)
	}
	if len(p.Services) != 1 {
		t.Fatalf("services: %d", len(p.Services))
	}
	s := p.Services[0]
	if !s.ConsentGranted || s.EnvelopeID != "4d4f3d90-04a3-4259-b63b-930ab10d2e47" || !reflect.DeepEqual(s.DocumentIDs, []string{"03307601-b518-49ca-b368-ae3919e24e54"}) {
		t.Errorf("service: %+v", s)
	}
	if got := p.SignedDocumentIDs(); len(got) != 1 {
		t.Errorf("SignedDocumentIDs %v", got)
	}
	d := s.Documents[0]
	if !d.Typified || !d.CPFMatch || !d.FaceMatch || !d.ValidateDoc || !d.ReusedDoc ||
		d.DocID != "1e61a978-3673-4fdd-8fa8-808d0a26d131" || !strings.HasPrefix(d.SignedURL, "https://api.datafortre") {
		t.Errorf("document flags: %+v", d)
	}
	if d.Doc.Version != 2 || d.Doc.Code != DocumentCodeRG || d.Doc.Data.Kind != DocumentCodeRG || d.Doc.Data.RG == nil {
		t.Fatalf("doc: %+v", d.Doc)
	}
	rg := d.Doc.Data.RG
	// Numbers in this example: 11 digits survive without float rounding.
	if rg.CPFNumero != "73689290074" || rg.Numero != "85775532778" || rg.NomeCivil != "John Doe" {
		t.Errorf("rg typed: cpf=%q numero=%q", string(rg.CPFNumero), string(rg.Numero))
	}
	if !rg.DataNascimento.Valid || rg.DataNascimento.Time.Year() != 1950 || !rg.DataEmissao.Valid {
		t.Errorf("rg dates: %+v %+v", rg.DataNascimento, rg.DataEmissao)
	}
	// The example labels CNH fields as an RG: those land in Extra, numbers as json.Number.
	for _, k := range []string{"dataExpiracao", "dataHabilitacao", "rgNumero", "categoria", "localEmissao", "renachNumero"} {
		if _, ok := rg.Extra[k]; !ok {
			t.Errorf("rg extra lacks %s: %v", k, keys(rg.Extra))
		}
	}
	if n, ok := rg.Extra["rgNumero"].(json.Number); !ok || n.String() != "5478854" {
		t.Errorf("rgNumero extra = %#v", rg.Extra["rgNumero"])
	}
	exp := d.Doc.Data.ExpiryDate()
	if exp.Raw != "2025-10-35T00:00:00Z" || exp.Valid {
		t.Errorf("invalid date must be kept raw and invalid: %+v", exp)
	}
	if d.Doc.Data.CPF() != "73689290074" || d.Doc.Data.Name() != "John Doe" || d.Doc.Data.BirthDate().Time.Year() != 1950 {
		t.Errorf("accessors")
	}
	if p.CompanyData == nil || p.CompanyData.BranchID != "5a62ee0b-2b78-493d-9ab7-72126798f00e" || p.CompanyData.CountryCode != "BRA" {
		t.Errorf("companyData %+v", p.CompanyData)
	}
	if p.BioTokenData == nil || p.BioTokenData.ReferenceProcessID != "92369ed7-5c3d-4050-a426-94ce8721e079" || p.BioTokenData.AuthenticationID != "57f5d650-f6a6-4e07-8f1f-46f6d61089fd" {
		t.Errorf("bioTokenData %+v", p.BioTokenData)
	}
	if p.ClientReference != "60837cd3-ed3c-4038-ad7c-0a85ad64b03a" || p.UseCase != UseCaseIdentityRevalidation7Days {
		t.Errorf("clientReference/useCase %q %q", p.ClientReference, p.UseCase)
	}
	if u := UnknownEnums(p); len(u) != 0 {
		t.Errorf("unknown enums in seed 001: %v", u)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDecodeSeed003PerFlow(t *testing.T) {
	type check func(t *testing.T, p Process)
	tests := []struct {
		file  string
		flow  Flow
		caps  int
		check check
	}{
		{"seed003_byunico_idlive.json", FlowIDLive, 1, func(t *testing.T, p Process) {
			a := p.AuthenticationInfo
			if a.ScoreEngineResult.ScoreEnabled != ScoreEnabledFalse || a.ScoreEngineResult.Score != 0 || a.LivenessResult != LivenessResultLive {
				t.Errorf("auth %+v", a)
			}
			if a.AuthenticationResult != "" || a.SerproResult != nil {
				t.Errorf("absent fields must stay empty: %+v", a)
			}
			if !p.CreatedAt.IsZero() || p.ExpiresAt.Raw != "2024-10-24T15:17:46.413146Z" || !p.ExpiresAt.Valid {
				t.Errorf("times %+v %+v", p.CreatedAt, p.ExpiresAt)
			}
			if len(p.Person.Notifications) != 2 || p.Person.Notifications[1].NotificationChannel != NotificationChannelSMS {
				t.Errorf("notifications %v", p.Person.Notifications)
			}
		}},
		{"seed003_byunico_id.json", FlowID, 2, func(t *testing.T, p Process) {
			if p.AuthenticationInfo.AuthenticationResult != AuthenticationResultInconclusive || p.AuthenticationInfo.ScoreEngineResult.ScoreEnabled != "" {
				t.Errorf("auth %+v", p.AuthenticationInfo)
			}
		}},
		{"seed003_byunico_idcheck.json", FlowIDCheck, 3, func(t *testing.T, p Process) {
			if s := p.AuthenticationInfo.ScoreEngineResult; s.ScoreEnabled != ScoreEnabledTrue || s.Score != 50 {
				t.Errorf("score %+v", s)
			}
		}},
		{"seed003_byunico_iddocs.json", FlowIDDocs, 4, func(t *testing.T, p Process) {
			docs := p.Documents()
			if len(docs) != 1 || !p.Services[0].ConsentGranted {
				t.Fatalf("docs %d", len(docs))
			}
			rg := docs[0].Doc.Data.RG
			// In this example the same numbers are strings.
			if rg == nil || rg.CPFNumero != "73689290074" || rg.Numero != "85775532778" {
				t.Fatalf("rg %v", rg)
			}
			if n, ok := rg.Extra["rgNumero"].(string); !ok || n != "5478854" {
				t.Errorf("rgNumero %#v", rg.Extra["rgNumero"])
			}
			if !strings.HasPrefix(docs[0].SignedURL, "https://api.datafortress.dev.private.unico.run/") {
				t.Errorf("signed url")
			}
			if p.SignedDocumentIDs() != nil {
				t.Errorf("no sign service expected")
			}
		}},
		{"seed003_byunico_idsign.json", FlowIDSign, 4, func(t *testing.T, p Process) {
			if len(p.Services) != 1 || p.Services[0].EnvelopeID != "4d4f3d90-04a3-4259-b63b-930ab10d2e47" || len(p.Documents()) != 0 {
				t.Errorf("services %+v", p.Services)
			}
			if ids := p.SignedDocumentIDs(); len(ids) != 1 || ids[0] != "03307601-b518-49ca-b368-ae3919e24e54" {
				t.Errorf("ids %v", ids)
			}
		}},
		{"seed003_byunico_iddocssign.json", FlowIDDocsSign, 5, func(t *testing.T, p Process) {
			if len(p.Services) != 2 || len(p.Documents()) != 1 || len(p.SignedDocumentIDs()) != 1 {
				t.Errorf("services %+v", p.Services)
			}
			if p.Capacities[4] != CapacityIDLive {
				t.Errorf("caps %v", p.Capacities)
			}
		}},
		{"seed003_byunico_idcheckserpro.json", FlowIDCheckSerpro, 3, func(t *testing.T, p Process) {
			if p.AuthenticationInfo.SerproResult == nil || p.AuthenticationInfo.SerproResult.Score != 50 {
				t.Errorf("serpro %+v", p.AuthenticationInfo.SerproResult)
			}
		}},
		{"seed003_byunico_idtoken.json", FlowIDToken, 2, func(t *testing.T, p Process) {
			if p.ID != "ede08bf6-e167-4249-9501-2a93b5d1ffc3" || p.CallbackURI != "/" {
				t.Errorf("id %q", p.ID)
			}
			if p.AuthenticationInfo.BioTokenEngineResult != BioTokenEngineResultPositive || !p.HasCapacity(CapacityIDToken) {
				t.Errorf("biotoken %+v", p.AuthenticationInfo)
			}
			if p.Person.Email != "luke@unico.co" || p.Person.Phone != "5521999249999" || p.Person.FriendlyName != "" || len(p.Person.Notifications) != 3 {
				t.Errorf("person")
			}
			if p.FinishedAt.Raw != "2024-10-28T20:02:43.620300Z" || !p.FinishedAt.Valid {
				t.Errorf("finishedAt %+v", p.FinishedAt)
			}
			if p.CompanyData == nil || *p.CompanyData != (CompanyData{}) {
				t.Errorf("empty companyData must decode as a non-nil empty struct: %+v", p.CompanyData)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := decodeProcessSeed(t, tt.file)
			if p.Flow != tt.flow || p.State != ProcessStateFinished || p.Result != ProcessResultOK || p.Purpose != PurposeCreditProcess {
				t.Errorf("flow/state/result/purpose: %q %q %q %q", p.Flow, p.State, p.Result, p.Purpose)
			}
			if p.Person.DUIType != DUITypeBRCPF || len(p.Person.DUIValue) != 11 {
				t.Errorf("person dui")
			}
			if len(p.Capacities) != tt.caps {
				t.Errorf("capacities %v", p.Capacities)
			}
			if p.AuthenticationInfo.LivenessResult != LivenessResultLive || p.AuthenticationInfo.AuthenticationID == "" {
				t.Errorf("liveness/authenticationId %+v", p.AuthenticationInfo)
			}
			if u := UnknownEnums(p); len(u) != 0 {
				t.Errorf("unknown enums: %v", u)
			}
			tt.check(t, p)
			// A decoded process re-encodes to valid JSON that decodes to the same process.
			b, err := json.Marshal(ProcessEnvelope{Process: p})
			if err != nil {
				t.Fatal(err)
			}
			var again ProcessEnvelope
			if err := json.Unmarshal(b, &again); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again.Process, p) {
				t.Errorf("round trip differs:\n%s", b)
			}
		})
	}
}

// ocrFragment turns a verbatim `"content": {...}` fragment of seed 001 into an object.
func ocrFragment(t *testing.T, name string) []byte {
	t.Helper()
	b := readSeed(t, name)
	var wrapper struct {
		Content json.RawMessage `json:"content"`
	}
	if err := Decode(append(append([]byte("{"), b...), '}'), &wrapper); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return wrapper.Content
}

func TestDecodeSeed001OCR(t *testing.T) {
	t.Run("CNH", func(t *testing.T) {
		o, err := DecodeOCR("CNH", ocrFragment(t, "seed001_ocr_cnh_content.txt"))
		if err != nil || o.CNH == nil {
			t.Fatal(err)
		}
		c := o.CNH
		if c.Numero != "044589731564" || c.RGNumero != "123456789 SESP PR" || c.NomeCivil != "Homer Simpson" ||
			len(c.Filiacao) != 2 || c.Categoria != "B" || c.RenachNumero != "PR904987581" || c.LocalEmissao != "Curitiba PR" {
			t.Errorf("cnh %+v", *c)
		}
		if !c.DataHabilitacao.Valid || c.DataHabilitacao.Time.Year() != 1997 || !c.DataExpiracao.Valid || !c.DataEmissao.Valid || !c.DataNascimento.Valid {
			t.Errorf("cnh dates")
		}
		if len(c.Extra) != 0 || c.CPFNumero != "" {
			t.Errorf("extra %v", keys(c.Extra))
		}
	})
	t.Run("RG", func(t *testing.T) {
		o, err := DecodeOCR("RG", ocrFragment(t, "seed001_ocr_rg_content.txt"))
		if err != nil || o.RG == nil {
			t.Fatal(err)
		}
		r := o.RG
		if r.Numero != "4815162342" || r.OrgaoEmissor != "Secretaria Da Segurança Pública (SSP)" || r.UFEmissor != "UF_SP" ||
			r.Naturalidade != "Sao Paulo SP" || len(r.Filiacao) != 4 || r.NomeCivil != "Daniel Coelho Da Costa" {
			t.Errorf("rg %+v", *r)
		}
		if r.DataEmissao.Time != time.Date(2012, 12, 21, 2, 0, 0, 0, time.UTC) || len(r.Extra) != 0 {
			t.Errorf("rg dates/extra")
		}
	})
	t.Run("CIN", func(t *testing.T) {
		o, err := DecodeOCR("CIN", ocrFragment(t, "seed001_ocr_cin_content.txt"))
		if err != nil || o.CIN == nil {
			t.Fatal(err)
		}
		c := o.CIN
		if c.NomeCivil != "Vitor Ra" || c.NomeSocial != "Vitor Ra" || c.OrgaoEmissor != "Detran/Rj" || c.LocalEmissao != "Rio De Janeiro RJ" ||
			c.Nacionalidade != "BRA" || !c.DataExpiracao.Valid || c.DataNascimento.Valid || len(c.Extra) != 0 {
			t.Errorf("cin %+v", *c)
		}
	})
	for _, code := range []string{"PASSAPORTE", "PASSPORT", "passaporte"} {
		t.Run("Passport/"+code, func(t *testing.T) {
			o, err := DecodeOCR(code, ocrFragment(t, "seed001_ocr_passport_content.txt"))
			if err != nil || o.Passport == nil || o.Kind != DocumentCodePassport {
				t.Fatal(err, o.Kind)
			}
			p := o.Passport
			if p.Numero != "AA011906" || p.Nome != "CHANCHÃO AMARELO" || p.Sobrenome != "PASSAREDO" || p.PaisEmissor != "BRA" ||
				p.Nacionalidade != "BRASILEIRO(A)" || p.Autoridade != "SR/DPF/DF" || p.DataNascimento.Time.Year() != 1920 {
				t.Errorf("passport %+v", *p)
			}
			if p.Naturalidade != "<nil>" || p.Naturalidade.Clean() != "" {
				t.Errorf("naturalidade %q", p.Naturalidade)
			}
			if o.Name() != "CHANCHÃO AMARELO PASSAREDO" {
				t.Errorf("name %q", o.Name())
			}
		})
	}
	t.Run("UNKNOWN", func(t *testing.T) {
		// Unico's UNKNOWN "example" is `content {\n}`: not JSON at all.
		if json.Valid(readSeed(t, "seed001_ocr_unknown_content.txt")) {
			t.Fatal("expected the verbatim UNKNOWN example to be invalid")
		}
		o, err := DecodeOCR("UNKNOWN", []byte(`{}`))
		if err != nil || o.Unknown == nil || len(o.Unknown.Extra) != 0 {
			t.Fatal(err)
		}
		o, err = DecodeOCR("UNKNOWN", []byte(`{"numero": 12345678901234567890, "x": "y"}`))
		if err != nil || o.Unknown.Extra["numero"].(json.Number).String() != "12345678901234567890" || o.Unknown.Extra["x"] != "y" {
			t.Fatal(err, o.Unknown.Extra)
		}
	})
}

func TestDecodeSeed000And004ByClient(t *testing.T) {
	var p ClientProcess
	if err := Decode(readSeed(t, "seed000_byclient_getprocess_idunico_idcheck.json"), &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != "2b034568-dfaf-463f-94fb-18ed93c312e8" || p.Status != 3 || !p.Completed() || !p.UnicoID.Inconclusive() ||
		p.Liveness != 1 || p.Score == nil || *p.Score != 42 {
		t.Errorf("seed000: %+v", p)
	}
	if live, known := p.Live(); !live || !known {
		t.Errorf("live")
	}
	if _, known := p.OneToOneMatched(); known {
		t.Errorf("no 1:1 fields in seed000")
	}

	e := ParseError(400, readSeed(t, "seed000_byclient_error_envelope.json"), "")
	if e.Code != "40004" || e.Message != "Error description" || e.HTTPStatus != 400 {
		t.Errorf("seed000 error: %+v", e)
	}

	var p5 ClientProcess
	if err := Decode(readSeed(t, "seed004_byclient_1to1_status5.json"), &p5); err != nil {
		t.Fatal(err)
	}
	if p5.ID != "80371b2a-3ac7-432e-866d-57fe37896ac6" || p5.Status != ClientStatusError || !p5.Errored() || p5.UnicoID != nil {
		t.Errorf("seed004 status5: %+v", p5)
	}

	var r ClientProcess
	if err := Decode(readSeed(t, "seed004_byclient_1to1_response.json"), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 3 || !r.IdentityFraudsters.Yes() || r.BiometryToken == nil || r.BiometryToken.Result != "true" || r.Liveness != 1 {
		t.Errorf("seed004 response: %+v", r)
	}
	if m, known := r.OneToOneMatched(); !m || !known {
		t.Errorf("1:1 from biometryToken string: %v %v", m, known)
	}

	var req ClientProcessRequest
	if err := Decode(readSeed(t, "seed004_byclient_1to1_request.json"), &req); err != nil {
		t.Fatal(err)
	}
	if req.Subject.Code != "12345678909" || req.Subject.Name != "Luke Skywalker" || req.Subject.Phone != "551972557070" ||
		req.ReferenceProcessID != "80371b2a-3ac7-432e-866d-57fe37896ac6" || req.SubsidiaryID != "35d734c4-7fbb-4b2f-a1dc-7e1575514819" ||
		req.ImageBase64 != "/9j/4AAQSkZJR..." {
		t.Errorf("seed004 request: %+v", req.Subject)
	}
	// Re-encoding gives the same keys Unico shows.
	b, _ := json.Marshal(req)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"subject", "referenceProcessId", "subsidiaryId", "imageBase64"} {
		if _, ok := m[k]; !ok {
			t.Errorf("request lacks %s: %s", k, b)
		}
	}
	if len(m) != 4 {
		t.Errorf("omitempty: %s", b)
	}
}
