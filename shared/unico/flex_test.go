package unico

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFlexString(t *testing.T) {
	tests := []struct {
		in   string
		want FlexString
	}{
		{`"73689290074"`, "73689290074"},
		{`73689290074`, "73689290074"},
		{`12345678901234567890`, "12345678901234567890"}, // beyond float64 precision
		{`044589731564`[1:], "44589731564"},
		{`1.5e3`, "1.5e3"},
		{`-7`, "-7"},
		{`true`, "true"},
		{`null`, ""},
		{`""`, ""},
		{`"<nil>"`, "<nil>"},
	}
	for _, tt := range tests {
		var s FlexString
		if err := json.Unmarshal([]byte(tt.in), &s); err != nil || s != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.in, s, err, tt.want)
		}
	}
	b, _ := json.Marshal(struct{ V FlexString }{"73689290074"})
	if string(b) != `{"V":"73689290074"}` {
		t.Errorf("marshal %s", b)
	}
	if FlexString(" <nil> ").Clean() != "" || FlexString(" x ").Clean() != "x" {
		t.Error("Clean")
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		in    string
		raw   string
		valid bool
		want  time.Time
	}{
		{`"2023-10-05T18:28:58.537985Z"`, "2023-10-05T18:28:58.537985Z", true, time.Date(2023, 10, 5, 18, 28, 58, 537985000, time.UTC)},
		{`"2025-10-35T00:00:00Z"`, "2025-10-35T00:00:00Z", false, time.Time{}},
		{`"2025-02-30T00:00:00Z"`, "2025-02-30T00:00:00Z", false, time.Time{}},
		{`"2023-04-19T13:10:00.0000000Z"`, "2023-04-19T13:10:00.0000000Z", true, time.Date(2023, 4, 19, 13, 10, 0, 0, time.UTC)},
		{`"1980-12-19T03:00:00-03:00"`, "1980-12-19T03:00:00-03:00", true, time.Date(1980, 12, 19, 6, 0, 0, 0, time.UTC)},
		{`"1990-05-12"`, "1990-05-12", true, time.Date(1990, 5, 12, 0, 0, 0, 0, time.UTC)},
		{`"2023-10-05T18:28:58"`, "2023-10-05T18:28:58", true, time.Date(2023, 10, 5, 18, 28, 58, 0, time.UTC)},
		{`"not a date"`, "not a date", false, time.Time{}},
		{`""`, "", false, time.Time{}},
		{`null`, "", false, time.Time{}},
		{`1696530538`, "1696530538", false, time.Time{}},
	}
	for _, tt := range tests {
		var ts Timestamp
		if err := json.Unmarshal([]byte(tt.in), &ts); err != nil {
			t.Errorf("%s: error %v", tt.in, err)
			continue
		}
		if ts.Raw != tt.raw || ts.Valid != tt.valid || !ts.Time.Equal(tt.want) {
			t.Errorf("%s: got %+v", tt.in, ts)
		}
	}
	// Round trip keeps the raw text, including invalid dates.
	var v struct {
		A Timestamp `json:"a"`
		B Timestamp `json:"b,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"a":"2025-10-35T00:00:00Z"}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"a":"2025-10-35T00:00:00Z"}` {
		t.Errorf("marshal %s", b)
	}
	if NewTimestamp(time.Unix(0, 0)).Raw != "1970-01-01T00:00:00Z" {
		t.Error("NewTimestamp")
	}
}

func TestScoresAndNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  bool
	}{
		{`{"score": 50}`, 50, false},
		{`{"score": 85.5}`, 85.5, false},
		{`{"score": "85.5"}`, 85.5, false},
		{`{"score": "-90"}`, -90, false},
		{`{"score": ""}`, 0, false},
		{`{"score": null}`, 0, false},
		{`{"score": "high"}`, 0, true},
		{`{"score": true}`, 0, true},
	}
	for _, tt := range tests {
		var s ScoreEngineResult
		err := json.Unmarshal([]byte(tt.in), &s)
		if (err != nil) != tt.err || s.Score != tt.want {
			t.Errorf("%s: got %v, %v", tt.in, s.Score, err)
		}
		if err != nil && strings.Contains(err.Error(), "high") {
			t.Errorf("error quotes the value: %v", err)
		}
	}
	var p ClientProcess
	if err := json.Unmarshal([]byte(`{"id":"x","status":"3","liveness":"1","score":"-12.5","government":{"serpro":"87"}}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 3 || p.Liveness != 1 || *p.Score != -12.5 || *p.Government.Serpro != 87 {
		t.Errorf("%+v", p)
	}
	if err := json.Unmarshal([]byte(`{"status": 3.5}`), &p); err == nil {
		t.Error("3.5 is not a status")
	}
	if err := json.Unmarshal([]byte(`{"id":"x","status":3}`), &p); err != nil || p.Score == nil {
		// Unmarshal into a used value keeps fields that are absent (encoding/json semantics).
		t.Log("note: reuse keeps absent fields")
	}
}

func TestSnakeAndCamelCase(t *testing.T) {
	snake := `{"doc":{"version":"2","code":"CNH","data":{"data_habilitacao":"2022-08-09T00:00:00Z","cpf_numero":73689290074,"renach_numero":"X1","local_emissao":"SP","orgao_emissor":"DETRAN"}},
	  "typified":"true","cpf_match":true,"face_match":false,"doc_id":"d1","validate_doc":true,"reused_doc":false,"signed_url":"https://s"}`
	camel := `{"doc":{"version":2,"code":"CNH","data":{"dataHabilitacao":"2022-08-09T00:00:00Z","cpfNumero":"73689290074","renachNumero":"X1","localEmissao":"SP","orgaoEmissor":"DETRAN"}},
	  "typified":true,"cpfMatch":true,"faceMatch":false,"docId":"d1","validateDoc":true,"reusedDoc":false,"signedUrl":"https://s"}`
	var a, b Document
	if err := json.Unmarshal([]byte(snake), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(camel), &b); err != nil {
		t.Fatal(err)
	}
	// orgao_emissor is not a CNH field: kept in Extra under the key Unico sent.
	if a.Doc.Data.CNH.Extra["orgao_emissor"] != "DETRAN" || b.Doc.Data.CNH.Extra["orgaoEmissor"] != "DETRAN" {
		t.Errorf("extra %v %v", keys(a.Doc.Data.CNH.Extra), keys(b.Doc.Data.CNH.Extra))
	}
	a.Doc.Data.Raw, b.Doc.Data.Raw = nil, nil
	a.Doc.Data.CNH.Extra, b.Doc.Data.CNH.Extra = nil, nil
	if !reflect.DeepEqual(a, b) {
		t.Errorf("snake and camel differ:\n%+v\n%+v", a.Doc.Data.CNH, b.Doc.Data.CNH)
	}
	if !a.CPFMatch || a.DocID != "d1" || a.SignedURL != "https://s" || !a.Typified || a.Doc.Version != 2 {
		t.Errorf("%+v", a)
	}
	c := a.Doc.Data.CNH
	if c.CPFNumero != "73689290074" || !c.DataHabilitacao.Valid || c.RenachNumero != "X1" || c.LocalEmissao != "SP" {
		t.Errorf("cnh %+v", c)
	}
	var s1, s2 Service
	_ = json.Unmarshal([]byte(`{"consent_granted":true,"envelope_id":"e","document_ids":["a"]}`), &s1)
	_ = json.Unmarshal([]byte(`{"consentGranted":true,"envelopeId":"e","documentIds":"a"}`), &s2)
	if !reflect.DeepEqual(s1, s2) || !s1.ConsentGranted || s1.DocumentIDs[0] != "a" {
		t.Errorf("service %+v %+v", s1, s2)
	}
	// When both spellings are present the documented one wins.
	var d Document
	_ = json.Unmarshal([]byte(`{"docId":"camel","doc_id":"snake"}`), &d)
	if d.DocID != "snake" {
		t.Errorf("doc_id precedence: %q", d.DocID)
	}
	// Capitalised keys (some Unico hosts) are accepted too.
	var p Process
	_ = json.Unmarshal([]byte(`{"Id":"x","State":"PROCESS_STATE_CREATED","user_redirect_url":"u"}`), &p)
	if p.ID != "x" || p.State != ProcessStateCreated || p.UserRedirectURL != "u" {
		t.Errorf("%+v", p)
	}
}

func TestRepairTrailingCommas(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,}`, `{"a":1}`},
		{`[1,2,]`, `[1,2]`},
		{"{\"a\":[1,\n],\n}", "{\"a\":[1\n]\n}"},
		{`{"s":",}","t":",]",}`, `{"s":",}","t":",]"}`},
		{`{"s":"a\",}",}`, `{"s":"a\",}"}`},
		{`{"a":1,"b":2}`, `{"a":1,"b":2}`},
	}
	for _, tt := range tests {
		if got := string(RepairTrailingCommas([]byte(tt.in))); got != tt.want {
			t.Errorf("%q: got %q want %q", tt.in, got, tt.want)
		}
	}
	var v map[string]any
	if err := Decode([]byte(`{"a":1,}`), &v); err != nil || v["a"] != 1.0 {
		t.Error(err)
	}
	err := Decode([]byte(`{"cpf":"73689290074" x}`), &v)
	if err == nil || strings.Contains(err.Error(), "73689290074") {
		t.Errorf("bad JSON: %v", err)
	}
}

func TestUnknownEnums(t *testing.T) {
	p := Process{
		ID: "p1", Flow: "idunicodocs_r2", State: "PROCESS_STATE_AWAITING_FOR_DOCUMENT", Result: ProcessResultOK,
		Person:             Person{DUIType: DUITypeBRCPF, DUIValue: "73689290074", Notifications: []Notification{{"NOTIFICATION_CHANNEL_TELEGRAM"}}},
		AuthenticationInfo: AuthenticationInfo{LivenessResult: LivenessResultLive, TrustResult: "TRUST_RESULT_NO", ScoreEngineResult: ScoreEngineResult{ScoreEnabled: "weird value\n with spaces"}},
		Capacities:         []ProcessCapacity{CapacityIDLive, "PROCESS_CAPACITY_IDAGE", "PROCESS_CAPACITY_IDAGE"},
		Services:           []Service{{Documents: []Document{{Doc: DocumentDoc{Code: "CRNM"}}}}},
	}
	got := UnknownEnums(p)
	want := []string{
		"flow=idunicodocs_r2",
		"state=PROCESS_STATE_AWAITING_FOR_DOCUMENT",
		"person.notifications.notificationChannel=NOTIFICATION_CHANNEL_TELEGRAM",
		"authenticationInfo.trustResult=TRUST_RESULT_NO",
		"authenticationInfo.scoreEngineResult.scoreEnabled=weird?value??with?spaces",
		"capacities=PROCESS_CAPACITY_IDAGE",
		"services.documents.doc.code=CRNM",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	for _, e := range got {
		if strings.Contains(e, "73689290074") {
			t.Error("personal data in enum list")
		}
	}
	cp := ClientProcess{Status: 9, Liveness: 3, UnicoID: &Result{"Yes"}, IdentityFraudsters: &Result{"maybe"}, BiometryToken: &Result{"perhaps"}}
	if got := UnknownClientEnums(cp); !reflect.DeepEqual(got, []string{"status=9", "liveness=3", "identityFraudsters.result=maybe", "biometryToken.result=perhaps"}) {
		t.Errorf("client: %q", got)
	}
	if len(Flows) != 29 {
		t.Errorf("flows: %d", len(Flows))
	}
	for _, f := range Flows {
		if !f.Known() {
			t.Errorf("%s unknown", f)
		}
	}
}

func TestFlowFamilies(t *testing.T) {
	payload := map[Flow]bool{FlowIDSign: true, FlowIDDocsSign: true, FlowIDCheckTrustSign: true, FlowIDCheckTrustDocsSign: true,
		FlowCreditoConsignado: true, FlowIDCheckSerproDocsSign: true, FlowIDUnicoSign: true, FlowIDUnicoDocsSign: true,
		FlowIDUnicoSerproDocsSign: true, FlowIDTrustSign: true, FlowIDTrustDocsSign: true, FlowIDTokenSign: true}
	bio := map[Flow]bool{FlowIDToken: true, FlowIDTokenTrust: true, FlowIDTokenSign: true}
	for _, f := range Flows {
		if FlowNeedsPayload(f) != payload[f] {
			t.Errorf("payload %s", f)
		}
		if FlowNeedsBioToken(f) != bio[f] {
			t.Errorf("biotoken %s", f)
		}
		if FlowNeedsUseCase(f) != (f == FlowIDSmart) {
			t.Errorf("usecase %s", f)
		}
	}
	if FlowNeedsPayload("customsign") || !FlowHasDocuments(FlowIDTrustDocsSign) || FlowHasDocuments(FlowIDAgeDocumentless) {
		t.Error("families")
	}
	if FormatExpiresIn(7*24*time.Hour) != "604800s" {
		t.Error("expiresIn")
	}
}

func TestResultAndOneToOne(t *testing.T) {
	tests := []struct {
		in             string
		matched, known bool
	}{
		{`{"biometryToken":{"result":"true"}}`, true, true},
		{`{"biometryToken":{"result":true}}`, true, true},
		{`{"biometryToken":{"result":"False"}}`, false, true},
		{`{"biometryToken":{"result":false}}`, false, true},
		{`{"authenticated":true}`, true, true},
		{`{"authenticated":"false"}`, false, true},
		{`{"authenticated":true,"biometryToken":{"result":"false"}}`, false, true},
		{`{"biometryToken":{"result":"inconclusive"}}`, false, false},
		{`{}`, false, false},
	}
	for _, tt := range tests {
		var p ClientProcess
		if err := json.Unmarshal([]byte(tt.in), &p); err != nil {
			t.Fatal(tt.in, err)
		}
		if m, k := p.OneToOneMatched(); m != tt.matched || k != tt.known {
			t.Errorf("%s: %v %v", tt.in, m, k)
		}
	}
	var p ClientProcess
	_ = json.Unmarshal([]byte(`{"unicoId":{"result":"Yes"},"identityFraudsters":{"result":"INCONCLUSIVE"}}`), &p)
	if !p.UnicoID.Yes() || p.UnicoID.No() || !p.IdentityFraudsters.Inconclusive() {
		t.Error("case-insensitive results")
	}
	var nilResult *Result
	if nilResult.Yes() {
		t.Error("nil result")
	}
}

func TestReusableDocuments(t *testing.T) {
	var r ReusableDocuments
	if err := json.Unmarshal([]byte(`{"items":[{}]}`), &r); err != nil || !r.Empty() {
		t.Errorf("{} item must count as none: %+v %v", r, err)
	}
	if err := json.Unmarshal([]byte(`{"items":[]}`), &r); err != nil || !r.Empty() {
		t.Error(err)
	}
	if err := json.Unmarshal([]byte(`{"items":[{"documentType":"unico.moja.dictionary.br.cnh.v2.Cnh","documentId":"2aaf6037-0153-415d-b9fe-cf7e8198408f"},{"documentType":"x"}]}`), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 1 || r.Items[0].Kind() != DocumentCodeCNH {
		t.Errorf("%+v", r)
	}
	for in, want := range map[string]DocumentCode{
		ReusableTypeRG: DocumentCodeRG, ReusableTypeCIN: DocumentCodeCIN, ReusableTypePassport: DocumentCodePassport,
		"BR_CNH": DocumentCodeCNH, "PASSPORT": DocumentCodePassport, "cnh": DocumentCodeCNH, "CRNM": DocumentCodeUnknown, "": DocumentCodeUnknown,
	} {
		if got := NormalizeDocumentCode(in); got != want {
			t.Errorf("%q → %q", in, got)
		}
	}
}

func TestClientDocumentContent(t *testing.T) {
	body := `{"id":"p","status":3,"document":{"id":"d","type":"unico.moja.dictionary.br.cnh.v2.Cnh","cpfMatch":"true",
	  "content":[{"numero":"1"},{"nomeCivil":"Homer"}],"fileUrls":"https://f"}}`
	var p ClientProcess
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	d := p.Document
	if d.ID != "d" || d.CPFMatch == nil || !*d.CPFMatch || d.Content.CNH == nil || d.Content.CNH.NomeCivil != "Homer" || len(d.FileURLs) != 1 {
		t.Errorf("%+v", d)
	}
	var pi ClientProcess
	_ = json.Unmarshal([]byte(`{"processAdditionalInfo":{"transactionId":"t","personName":"Homer","personDocument":73689290074,"personImage":"/9j/","finishedAt":"2024-01-01T00:00:00Z"}}`), &pi)
	if pi.ProcessAdditionalInfo.PersonDocument != "73689290074" || !pi.ProcessAdditionalInfo.FinishedAt.Valid {
		t.Errorf("%+v", pi.ProcessAdditionalInfo)
	}
}

func TestRedaction(t *testing.T) {
	cpf, selfie, pem, key := "73689290074", "eyJhbGciOiJSU0EtT0FFUCJ9.SELFIE", "-----BEGIN PRIVATE KEY-----SECRET", "APIKEY-SECRET-1"
	values := []any{
		Person{DUIType: DUITypeBRCPF, DUIValue: FlexString(cpf), FriendlyName: "Luke", Email: "l@x", Phone: "5511974749090"},
		ClientProcessRequest{Subject: Subject{Code: cpf, Name: "Luke"}, ImageBase64: selfie},
		CreateProcessRequest{Flow: FlowID, Person: &Person{DUIValue: FlexString(cpf)}},
		Process{ID: "p", Token: selfie, Person: Person{DUIValue: FlexString(cpf)}},
		ClientProcess{ID: "p", ProcessAdditionalInfo: &ProcessAdditionalInfo{PersonDocument: FlexString(cpf), PersonImage: selfie}},
		Credentials{PrivateKeyPEM: pem, APIKeys: map[string]string{"liveness": key}, CPFHashKey: key},
		SetDocumentRequest{DUIValue: cpf},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, v)
			for _, secret := range []string{cpf, selfie, pem, key, "Luke", "5511974749090"} {
				if strings.Contains(s, secret) {
					t.Errorf("%T %s leaks %q: %s", v, verb, secret, s)
				}
			}
		}
	}
	if MaskCPF(cpf) != "***.***.***-74" || MaskCPF("1") != "***" {
		t.Error("MaskCPF")
	}
}

func TestValidate(t *testing.T) {
	ok := CreateProcessRequest{CallbackURI: "/", Flow: FlowID, Purpose: PurposeCreditProcess,
		Person: &Person{DUIType: DUITypeBRCPF, DUIValue: "73689290074", Phone: "5511974749090",
			Notifications: []Notification{{NotificationChannelWhatsApp}}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(r *CreateProcessRequest){
		func(r *CreateProcessRequest) { r.CallbackURI = "" },
		func(r *CreateProcessRequest) { r.Flow = FlowIDSign },
		func(r *CreateProcessRequest) { r.Flow = FlowIDToken },
		func(r *CreateProcessRequest) { r.Flow = FlowIDSmart },
		func(r *CreateProcessRequest) { r.ExpiresIn = "10m" },
		func(r *CreateProcessRequest) { p := *r.Person; p.DUIValue = "73689290075"; r.Person = &p },
		func(r *CreateProcessRequest) { p := *r.Person; p.Phone = "551197474909"; r.Person = &p },
		func(r *CreateProcessRequest) { p := *r.Person; p.FriendlyName = strings.Repeat("a", 51); r.Person = &p },
		func(r *CreateProcessRequest) { r.Person = nil },
	}
	for i, mut := range bad {
		r := ok
		mut(&r)
		err := r.Validate()
		if err == nil {
			t.Errorf("case %d: expected an error", i)
			continue
		}
		if strings.Contains(err.Error(), "7368929007") {
			t.Errorf("error quotes the CPF: %v", err)
		}
	}
	if !ValidCPF("12345678909") || ValidCPF("11111111111") || ValidCPF("1234567890a") {
		t.Error("ValidCPF")
	}
	b, _ := json.Marshal(CreateProcessRequest{CallbackURI: "/", Flow: FlowIDSign, Purpose: PurposeCreditProcess,
		FlowConfig: &FlowConfig{BiometryCapture{EnabledBackCamera: true}},
		Payload:    []PayloadEntry{{EnvelopePayload{Documents: []EnvelopeDocument{{"teste", "JVBE"}}}}}})
	want := `{"callbackUri":"/","flow":"idsign","purpose":"creditprocess","flow_config":{"biometry_capture":{"enabled_back_camera":true}},"payload":[{"envelopePayload":{"documents":[{"documentName":"teste","fileContents":"JVBE"}]}}]}`
	if string(b) != want {
		t.Errorf("wire:\n%s\n%s", b, want)
	}
}
