// Package unicosim is an in-process simulator of Unico IDCloud, for developing and testing the
// gateway (and app backends) offline.
//
// It speaks the Unico API as shared/reference/unico-api.md documents it, on one http.Handler that
// serves every Unico host's paths at once:
//
//	POST /oauth2/token                                identity(homolog).acesso.io: JWT-bearer grant
//	POST /client/v1/process[/]                        by Unico: CreateProcess
//	GET  /client/v1/process/{id}                      by Unico: GetProcess
//	GET  /client/v1/process/{id}/selfie[?raw=true]    by Unico: GetSelfie
//	GET  /client/v1/process/{id}/evidenceset          by Unico: GetEvidenceSet
//	POST /client/v1/process/{id}/document             by Unico: Set Process Document (custom flows)
//	GET  /api/v1/service/file/{documentId}            sign(hom).acesso.io: GetDocumentSigned
//	GET  /api/v1/service/evidence/{documentId}        sign(hom).acesso.io: GetEvidenceSign (path is a guess)
//	POST /processes/v1                                by Client: biometric or document process
//	GET  /processes/v1/{id}, /processes/v2/{id}       by Client: GetProcess (v2 adds processAdditionalInfo)
//	GET  /documents/v1?code=&type=                    by Client: reusable documents
//
// plus a control API under /__sim/ and a fake hosted journey under /journey/{id} (see control.go).
//
// # Choosing outcomes: scenario CPFs
//
// The outcome of a process is chosen by the CPF it is created with (person.duiValue for by Unico,
// subject.code for by Client). Every CPF below has valid check digits. Any other valid CPF (for
// example the documentation's 73689290074 or 12345678909) behaves as "approved" / "yes". A scenario
// can also be forced when finishing a by-Unico process: Simulator.Finish(ctx, id, "rejected_identity")
// or POST /__sim/processes/{id}/finish {"scenario":"rejected_identity"}.
//
// By Unico (the rows of the §3.2.2 response-scenario table; state FINISHED unless said otherwise):
//
//	scenario                    CPF          result            liveness   authentication  fraudsters    score
//	approved (default)          10000000108  OK                LIVE       POSITIVE        INCONCLUSIVE* -
//	approved_by_score           10000000280  OK                LIVE       INCONCLUSIVE    INCONCLUSIVE* 50
//	retry_score_zero            10000000361  OK                LIVE       INCONCLUSIVE    INCONCLUSIVE  0
//	rejected_liveness           10000000442  INVALID_IDENTITY  NOT_LIVE   UNSPECIFIED     -             -
//	rejected_identity           10000000523  INVALID_IDENTITY  LIVE       NEGATIVE        INCONCLUSIVE* -
//	rejected_fraudster          10000000604  OK                LIVE       INCONCLUSIVE    YES           -50
//	error                       10000000795  ERROR             -          -               -             -
//	failed                      10000000876  state PROCESS_STATE_FAILED, result UNSPECIFIED, no webhook
//	expired                     10000000957  EXPIRED (webhook carries lastEvent/lastEventDescription)
//	selfie_forbidden            10000001090  like approved, but GetSelfie answers 403 code 7 "no permission"
//	quirks                      10000001171  like approved, but GetProcess has trailing commas and numeric
//	                                         rgNumero/cpfNumero (as in the seeds); dates like 2025-10-35 are
//	                                         served by every docs flow anyway
//	rejected_by_score           10000001252  OK                LIVE       INCONCLUSIVE    INCONCLUSIVE  -40
//	retry_liveness_unspecified  10000001333  OK                UNSPECIFIED UNSPECIFIED    -             -
//	retry_auth_unspecified      10000001414  OK                LIVE       UNSPECIFIED     INCONCLUSIVE* -
//	retry_score_divergence      10000001503  INVALID_IDENTITY  LIVE       UNSPECIFIED     INCONCLUSIVE* -
//	review_inconclusive         10000001686  OK                LIVE       INCONCLUSIVE    INCONCLUSIVE* - (no score: review)
//
// (*) identityFraudstersResult is INCONCLUSIVE only for …trust flows; otherwise UNSPECIFIED. Without
// liveness (NOT_LIVE/UNSPECIFIED) every capability result is UNSPECIFIED.
// Scenario values are applied to every flow that runs identity verification. idlive only reports
// liveness; idtoken* reports bioTokenEngineResult (POSITIVE, or NEGATIVE for rejected_identity);
// idsmart reports smartRevalidationResult; serpro flows add serproResult.score. The score engine is
// reported as SCORE_ENABLED_TRUE only when a scenario has a score, else SCORE_ENABLED_FALSE / 0.
//
// By Client (POST /processes/v1 answers synchronously; what is present depends on the APIKEY's
// capability set: liveness, identity, riskScore, oneToOne, documents, and the extra serpro):
//
//	scenario                    CPF          answer
//	yes (default)               20000000108  status 3, unicoId yes, identityFraudsters inconclusive, 1:1 biometryToken "true"
//	no                          20000000299  status 3, unicoId no; 1:1 biometryToken "false"
//	inconclusive                20000000370  status 3, unicoId inconclusive, liveness 1, score 50 (riskScore keys)
//	not_live                    20000000450  status 3, liveness 2, unicoId no; 1:1 biometryToken "false"
//	fraudster                   20000000531  status 3, unicoId inconclusive, liveness 1, identityFraudsters yes (no score)
//	error_status5               20000000612  status 5; GET /processes/v1/{id} answers HTTP 410 {"id","status":5}
//	matched_token               20000000701  1:1: biometryToken {"result":"true"} (string, seed 004 shape)
//	matched_authenticated       20000000884  1:1: authenticated true (boolean, seed 002 shape)
//	not_matched_token           20000000965  1:1: biometryToken {"result":"false"}
//	not_matched_authenticated   20000001007  1:1: authenticated false
//	divergence                  20000001180  status 2 with riskScore keys (unicoId inconclusive); else like inconclusive
//	yes_with_documents          20000001260  like yes, and GET /documents/v1 lists a CNH and an RG for this CPF
//	inconclusive_low_score      20000001341  status 3, unicoId inconclusive, liveness 1, score -40 (riskScore keys)
//	in_progress                 20000001422  POST answers {"id","status":1}; the next GET answers like yes (status 3)
//	canceled                    20000001694  status 4 (canceled) on POST and GET: {"id","status":4}
//
// By-Unico scenario CPFs used by Client map to the closest answer (approved → yes, approved_by_score →
// inconclusive with score 50, rejected_identity → no, rejected_liveness → not_live, rejected_fraudster
// → fraudster, error and failed → status 5, …) and by-Client CPFs used by Unico map back the same way.
//
// The scenarios whose verification ends in review (a person decides, POST
// /v1/processes/{id}/review) are listed, with the flow or capability that gets there, by
// ReviewScenarios (review.go).
//
// # Behaviour worth knowing
//
//   - Assertions are single use by content: the same claims signed twice in the same second give the
//     same JWT, so the second request fails with 1.2.7 (as it would at Unico). Five failed assertions
//     in a row lock the token endpoint (1.2.18) for Config.LockoutCooldown (default 1 minute).
//   - By-Unico bodies are decoded like grpc-gateway does: camelCase or snake_case names, case-sensitive,
//     unknown fields rejected with code 3 (so "person.friendlyName" as a literal key or "Flow" fail).
//   - A by-Unico process past expiresAt turns FINISHED/EXPIRED when it is next read, and the webhook is
//     sent in the background. PROCESS_STATE_FAILED processes are never announced (only FINISHED is).
//   - Webhooks are POSTed synchronously by Finish/Expire, with up to 3 retries (Config.WebhookBackoff).
//   - The selfie is available for 8 hours and the evidence set for 2 hours after finishing; before
//     finishing, for ERROR/EXPIRED results and for idsmart they answer 404 code 5, after their
//     window 410 Gone (code 5).
//   - A by-Client key holding both identity and oneToOne runs 1:1 only when a reference is sent.
//   - Signed-document and evidence PDFs are generated by the simulator (not the uploaded PDF).
//
// # Documented guesses
//
// Where the reference is silent the simulator picks one behaviour; each is marked "GUESS" in the
// source. The main ones: custom flows (a known flow name plus a suffix such as "_r2") created
// without a document are in state PROCESS_STATE_AWAITING_DOCUMENT (the real string is unknown);
// GetEvidenceSign is served at /api/v1/service/evidence/{documentId}; every bad assertion signature
// is 1.2.21 ("wrong private key"; a tampered token cannot be told apart), a wrong tenant in iss is
// 1.0.1 and other iss/aud mismatches are 1.2.5; by-Client auth failures answer 401 with codes
// 20001/10501/10502; by-Unico 401 bodies are the plain string "Unauthorized"; sign-host errors use
// {"Sucess":false,"Message":…,"Data":null}; e-mail is required for signature flows; by-Client
// GetProcess of an unknown id is 404 {"Error":{"code":"40404",…}}; document-process prerequisites
// fail with simulator codes 20030 (authProcessId unknown), 20031 (does not qualify: needs identity
// "yes" or score >= 50, same CPF, finished within 24 h) and 20032 (documentId not reusable for this
// CPF); document.type is "CNH"/"RG"/"CIN"/"PASSPORT" and cpfMatch a boolean; by-Client document
// processes answer status 1 on POST and are complete (status 3) on the next GET (after
// Config.DocumentProcessingDelay, or at once with Finish); the expired webhook's lastEvent is
// EVENT_TYPE_PROCESS_CREATED (EVENT_TYPE_PROCESS_STARTED_BY_USER once /journey/{id} was opened);
// idsmart reports SMART_REVALIDATION_RESULT_POSITIVE/NEGATIVE; idsmart and idage* report only
// IDLIVE (and IDDOCS for idage) as capacities.
package unicosim

import "sort"

// Scenario describes one outcome that a CPF selects.
type Scenario struct {
	Name        string // e.g. "approved", "yes"
	CPF         string // 11 digits, valid check digits
	Integration string // "by Unico" or "by Client": the integration the scenario was written for
	Description string
}

// unicoOutcome is what a finished by-Unico process reports.
type unicoOutcome struct {
	state, result   string // full enum strings
	liveness        string // LIVENESS_RESULT_ suffix: LIVE, NOT_LIVE, UNSPECIFIED
	auth            string // AUTHENTICATION_RESULT_ suffix
	fraudsters      string // TRUST_RESULT_ suffix; "" = flow default
	hasScore        bool
	score           int
	bioToken        string // BIO_TOKEN_ENGINE_RESULT_ suffix
	selfieForbidden bool
	quirks          bool
	expired         bool
}

// clientOutcome is what a by-Client biometric process answers.
type clientOutcome struct {
	status     int    // 3, 2 (divergence, riskScore keys only) or 5
	unicoID    string // yes, no, inconclusive
	live       bool
	score      int
	hasScore   bool
	fraudster  bool
	match      bool
	authShape  bool // 1:1 answered as "authenticated": bool instead of biometryToken.result
	documents  bool // the CPF has reusable documents
	divergence bool
	inProgress bool // POST answers status 1; the next GET answers the full result (status 3)
}

type scenarioDef struct {
	Scenario
	unico  unicoOutcome
	client clientOutcome
}

const (
	stFinished = "PROCESS_STATE_FINISHED"
	stFailed   = "PROCESS_STATE_FAILED"
	stCreated  = "PROCESS_STATE_CREATED"
	// GUESS: developer.unico.io names an AWAITING_FOR_DOCUMENT state for custom flows but the exact
	// enum string was never seen; this is the simulator's spelling.
	stAwaitingDocument = "PROCESS_STATE_AWAITING_DOCUMENT"

	resUnspecified     = "PROCESS_RESULT_UNSPECIFIED"
	resOK              = "PROCESS_RESULT_OK"
	resError           = "PROCESS_RESULT_ERROR"
	resInvalidIdentity = "PROCESS_RESULT_INVALID_IDENTITY"
	resExpired         = "PROCESS_RESULT_EXPIRED"
)

var (
	uApproved = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "POSITIVE", bioToken: "POSITIVE"}
	uByScore  = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "INCONCLUSIVE", hasScore: true, score: 50, bioToken: "POSITIVE"}
	uScore0   = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "INCONCLUSIVE", fraudsters: "INCONCLUSIVE", hasScore: true, score: 0, bioToken: "POSITIVE"}
	uNotLive  = unicoOutcome{state: stFinished, result: resInvalidIdentity, liveness: "NOT_LIVE", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED"}
	uNegative = unicoOutcome{state: stFinished, result: resInvalidIdentity, liveness: "LIVE", auth: "NEGATIVE", bioToken: "NEGATIVE"}
	uFraud    = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "INCONCLUSIVE", fraudsters: "YES", hasScore: true, score: -50, bioToken: "POSITIVE"}
	uError    = unicoOutcome{state: stFinished, result: resError, liveness: "UNSPECIFIED", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED"}
	uFailed   = unicoOutcome{state: stFailed, result: resUnspecified, liveness: "UNSPECIFIED", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED"}
	uExpired  = unicoOutcome{state: stFinished, result: resExpired, liveness: "UNSPECIFIED", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED", expired: true}
	uLowScore = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "INCONCLUSIVE", fraudsters: "INCONCLUSIVE", hasScore: true, score: -40, bioToken: "POSITIVE"}
	uNoLive   = unicoOutcome{state: stFinished, result: resOK, liveness: "UNSPECIFIED", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED"}
	uNoAuth   = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED"}
	uDiverge  = unicoOutcome{state: stFinished, result: resInvalidIdentity, liveness: "LIVE", auth: "UNSPECIFIED", bioToken: "UNSPECIFIED"}
	uInconc   = unicoOutcome{state: stFinished, result: resOK, liveness: "LIVE", auth: "INCONCLUSIVE", bioToken: "POSITIVE"}

	cYes      = clientOutcome{status: 3, unicoID: "yes", live: true, match: true}
	cNo       = clientOutcome{status: 3, unicoID: "no", live: true}
	cInc50    = clientOutcome{status: 3, unicoID: "inconclusive", live: true, hasScore: true, score: 50, match: true}
	cInc0     = clientOutcome{status: 3, unicoID: "inconclusive", live: true, hasScore: true, score: 0, match: true}
	cIncLow   = clientOutcome{status: 3, unicoID: "inconclusive", live: true, hasScore: true, score: -40, match: true}
	cNotLive  = clientOutcome{status: 3, unicoID: "no", live: false}
	cFraud    = clientOutcome{status: 3, unicoID: "inconclusive", live: true, fraudster: true, match: true}
	cStatus5  = clientOutcome{status: 5}
	cDiverge  = clientOutcome{status: 3, unicoID: "inconclusive", live: true, hasScore: true, score: 10, match: true, divergence: true}
	cYesDocs  = clientOutcome{status: 3, unicoID: "yes", live: true, match: true, documents: true}
	cMatchT   = clientOutcome{status: 3, unicoID: "yes", live: true, match: true}
	cMatchA   = clientOutcome{status: 3, unicoID: "yes", live: true, match: true, authShape: true}
	cNoMatchT = clientOutcome{status: 3, unicoID: "no", live: true, match: false}
	cNoMatchA = clientOutcome{status: 3, unicoID: "no", live: true, match: false, authShape: true}
	cPending  = clientOutcome{status: 3, unicoID: "yes", live: true, match: true, inProgress: true}
	cCanceled = clientOutcome{status: 4}
	cIncNone  = clientOutcome{status: 3, unicoID: "inconclusive", live: true, match: true}
)

func withSelfieForbidden(o unicoOutcome) unicoOutcome { o.selfieForbidden = true; return o }
func withQuirks(o unicoOutcome) unicoOutcome          { o.quirks = true; return o }

const (
	byUnico  = "by Unico"
	byClient = "by Client"
)

var scenarioDefs = []scenarioDef{
	{Scenario{"approved", "10000000108", byUnico, "FINISHED, OK, LIVE, POSITIVE (default for any other valid CPF)"}, uApproved, cYes},
	{Scenario{"approved_by_score", "10000000280", byUnico, "FINISHED, OK, LIVE, INCONCLUSIVE, score 50"}, uByScore, cInc50},
	{Scenario{"retry_score_zero", "10000000361", byUnico, "FINISHED, OK, LIVE, INCONCLUSIVE, fraudsters INCONCLUSIVE, score 0 (possible CPF error: retry)"}, uScore0, cInc0},
	{Scenario{"rejected_liveness", "10000000442", byUnico, "FINISHED, INVALID_IDENTITY, NOT_LIVE"}, uNotLive, cNotLive},
	{Scenario{"rejected_identity", "10000000523", byUnico, "FINISHED, INVALID_IDENTITY, LIVE, NEGATIVE"}, uNegative, cNo},
	{Scenario{"rejected_fraudster", "10000000604", byUnico, "FINISHED, OK, LIVE, INCONCLUSIVE, fraudsters YES, score -50"}, uFraud, cFraud},
	{Scenario{"error", "10000000795", byUnico, "FINISHED, ERROR (retry)"}, uError, cStatus5},
	{Scenario{"failed", "10000000876", byUnico, "PROCESS_STATE_FAILED (no webhook: only FINISHED is notified)"}, uFailed, cStatus5},
	{Scenario{"expired", "10000000957", byUnico, "FINISHED, EXPIRED; webhook with lastEvent"}, uExpired, cYes},
	{Scenario{"selfie_forbidden", "10000001090", byUnico, "like approved, GetSelfie answers 403 code 7"}, withSelfieForbidden(uApproved), cYes},
	{Scenario{"quirks", "10000001171", byUnico, "like approved, GetProcess JSON has trailing commas and numeric rgNumero/cpfNumero"}, withQuirks(uApproved), cYes},
	{Scenario{"rejected_by_score", "10000001252", byUnico, "FINISHED, OK, LIVE, INCONCLUSIVE, fraudsters INCONCLUSIVE, score -40"}, uLowScore, cIncLow},
	{Scenario{"retry_liveness_unspecified", "10000001333", byUnico, "FINISHED, OK, liveness UNSPECIFIED (retry)"}, uNoLive, cYes},
	{Scenario{"retry_auth_unspecified", "10000001414", byUnico, "FINISHED, OK, LIVE, authentication UNSPECIFIED (retry)"}, uNoAuth, cYes},
	{Scenario{"retry_score_divergence", "10000001503", byUnico, "FINISHED, INVALID_IDENTITY, LIVE, authentication UNSPECIFIED (risk-score divergence: retry)"}, uDiverge, cDiverge},
	{Scenario{"review_inconclusive", "10000001686", byUnico, "FINISHED, OK, LIVE, INCONCLUSIVE, no score (review: a person decides)"}, uInconc, cIncNone},

	{Scenario{"yes", "20000000108", byClient, "status 3, unicoId yes (default for any other valid CPF)"}, uApproved, cYes},
	{Scenario{"no", "20000000299", byClient, "status 3, unicoId no"}, uNegative, cNo},
	{Scenario{"inconclusive", "20000000370", byClient, "status 3, unicoId inconclusive, liveness 1, score 50 for riskScore keys"}, uByScore, cInc50},
	{Scenario{"not_live", "20000000450", byClient, "status 3, liveness 2"}, uNotLive, cNotLive},
	{Scenario{"fraudster", "20000000531", byClient, "status 3, identityFraudsters yes"}, uFraud, cFraud},
	{Scenario{"error_status5", "20000000612", byClient, "status 5; GET answers HTTP 410"}, uError, cStatus5},
	{Scenario{"matched_token", "20000000701", byClient, "1:1 matched, biometryToken.result \"true\""}, uApproved, cMatchT},
	{Scenario{"matched_authenticated", "20000000884", byClient, "1:1 matched, authenticated true"}, uApproved, cMatchA},
	{Scenario{"not_matched_token", "20000000965", byClient, "1:1 not matched, biometryToken.result \"false\""}, uNegative, cNoMatchT},
	{Scenario{"not_matched_authenticated", "20000001007", byClient, "1:1 not matched, authenticated false"}, uNegative, cNoMatchA},
	{Scenario{"divergence", "20000001180", byClient, "status 2 for riskScore keys"}, uDiverge, cDiverge},
	{Scenario{"yes_with_documents", "20000001260", byClient, "like yes; GET /documents/v1 lists a CNH and an RG"}, uApproved, cYesDocs},
	{Scenario{"inconclusive_low_score", "20000001341", byClient, "status 3, unicoId inconclusive, score -40 for riskScore keys"}, uLowScore, cIncLow},
	{Scenario{"in_progress", "20000001422", byClient, "POST answers status 1; the next GET answers like yes (status 3)"}, uApproved, cPending},
	{Scenario{"canceled", "20000001694", byClient, "status 4 (canceled) on POST and GET"}, uApproved, cCanceled},
}

var (
	scenarioByName = map[string]*scenarioDef{}
	scenarioByCPF  = map[string]*scenarioDef{}
)

func init() {
	for i := range scenarioDefs {
		d := &scenarioDefs[i]
		scenarioByName[d.Name] = d
		scenarioByCPF[d.CPF] = d
	}
}

// ScenarioCPF returns the CPF that selects the named scenario, or "" for an unknown name.
func ScenarioCPF(name string) string {
	if d, ok := scenarioByName[name]; ok {
		return d.CPF
	}
	return ""
}

// Scenarios lists the scenario names, by-Unico ones first, in table order.
func Scenarios() []string {
	out := make([]string, len(scenarioDefs))
	for i, d := range scenarioDefs {
		out[i] = d.Name
	}
	return out
}

// ScenarioTable returns the full scenario table (name, CPF, integration, description).
func ScenarioTable() []Scenario {
	out := make([]Scenario, len(scenarioDefs))
	for i, d := range scenarioDefs {
		out[i] = d.Scenario
	}
	return out
}

// scenarioFor picks the scenario for a CPF; anything that is not a scenario CPF is the default.
func scenarioFor(cpf string, integration string) *scenarioDef {
	if d, ok := scenarioByCPF[cpf]; ok {
		return d
	}
	if integration == byClient {
		return scenarioByName["yes"]
	}
	return scenarioByName["approved"]
}

// ValidCPF reports whether s is 11 digits with correct check digits (and not all digits equal).
func ValidCPF(s string) bool {
	if len(s) != 11 {
		return false
	}
	same := true
	for i := 0; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if s[i] != s[0] {
			same = false
		}
	}
	if same {
		return false
	}
	check := func(n int) byte {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(s[i]-'0') * (n + 1 - i)
		}
		r := (sum * 10) % 11
		if r == 10 {
			r = 0
		}
		return byte('0' + r)
	}
	return check(9) == s[9] && check(10) == s[10]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
