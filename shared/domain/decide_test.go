package domain

import (
	"testing"

	"github.com/unicogw/gateway/shared/unico"
)

func hosted(state unico.ProcessState, result unico.ProcessResult, a unico.AuthenticationInfo) unico.Process {
	return unico.Process{Flow: "id", State: state, Result: result, AuthenticationInfo: a}
}

func TestDecideHostedScenarioTable(t *testing.T) {
	live, notLive := unico.LivenessResultLive, unico.LivenessResultNotLive
	score := func(s float64) unico.ScoreEngineResult {
		return unico.ScoreEngineResult{ScoreEnabled: unico.ScoreEnabledTrue, Score: s}
	}
	cases := []struct {
		name    string
		p       unico.Process
		outcome Outcome
		reason  string
	}{
		{"created waits", hosted(unico.ProcessStateCreated, "", unico.AuthenticationInfo{}), OutcomePending, ReasonAwaitingPerson},
		{"failed retries", hosted(unico.ProcessStateFailed, "", unico.AuthenticationInfo{}), OutcomeRetry, ReasonProcessFailed},
		{"error retries", hosted(unico.ProcessStateFinished, unico.ProcessResultError, unico.AuthenticationInfo{}), OutcomeRetry, ReasonUnicoError},
		{"expired retries", hosted(unico.ProcessStateFinished, unico.ProcessResultExpired, unico.AuthenticationInfo{}), OutcomeRetry, ReasonExpired},
		{"ok without liveness retries", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: unico.LivenessResultUnspecified}), OutcomeRetry, ReasonLivenessMissing},
		{"ok live without identity retries", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultUnspecified}), OutcomeRetry, ReasonIdentityMissing},
		{"invalid identity live unspecified: divergence", hosted(unico.ProcessStateFinished, unico.ProcessResultInvalidIdentity, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultUnspecified}), OutcomeRetry, ReasonRiskScoreDivergence},
		{"inconclusive score 0 retries", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultInconclusive, IdentityFraudstersResult: unico.TrustResultInconclusive, ScoreEngineResult: score(0)}), OutcomeRetry, ReasonScoreZero},
		{"not live rejected", hosted(unico.ProcessStateFinished, unico.ProcessResultInvalidIdentity, unico.AuthenticationInfo{LivenessResult: notLive}), OutcomeRejected, ReasonLivenessFailed},
		{"negative rejected", hosted(unico.ProcessStateFinished, unico.ProcessResultInvalidIdentity, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultNegative}), OutcomeRejected, ReasonIdentityNegative},
		{"fraudster negative score rejected", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultInconclusive, IdentityFraudstersResult: unico.TrustResultYes, ScoreEngineResult: score(-40)}), OutcomeRejected, ReasonFraudster},
		{"inconclusive negative score rejected", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultInconclusive, IdentityFraudstersResult: unico.TrustResultInconclusive, ScoreEngineResult: score(-40)}), OutcomeRejected, ReasonScoreNegative},
		{"positive approved", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultPositive}), OutcomeApproved, ReasonIdentityPositive},
		{"inconclusive high score approved", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultInconclusive, ScoreEngineResult: score(50)}), OutcomeApproved, ReasonScoreApproved},
		{"inconclusive low positive score review", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultInconclusive, ScoreEngineResult: score(20)}), OutcomeReview, ReasonScoreBelowThreshold},
		{"inconclusive no score review", hosted(unico.ProcessStateFinished, unico.ProcessResultOK, unico.AuthenticationInfo{LivenessResult: live, AuthenticationResult: unico.AuthenticationResultInconclusive}), OutcomeReview, ReasonIdentityInconclusive},
		{"unknown result review", hosted(unico.ProcessStateFinished, "PROCESS_RESULT_NEW_THING", unico.AuthenticationInfo{}), OutcomeReview, ReasonUnknownResult},
		{"unknown state review", hosted("PROCESS_STATE_MARS", "", unico.AuthenticationInfo{}), OutcomeReview, ReasonUnknownState},
	}
	for _, c := range cases {
		d := DecideHosted(c.p, 50)
		if d.Outcome != c.outcome || len(d.Reasons) == 0 || d.Reasons[0].Code != c.reason {
			t.Errorf("%s: got %s %+v, want %s %s", c.name, d.Outcome, d.Reasons, c.outcome, c.reason)
		}
	}
}

func TestDecideHostedFlows(t *testing.T) {
	live := unico.AuthenticationInfo{LivenessResult: unico.LivenessResultLive}
	idlive := unico.Process{Flow: "idlive", State: unico.ProcessStateFinished, Result: unico.ProcessResultOK, AuthenticationInfo: live,
		Capacities: []unico.ProcessCapacity{unico.CapacityIDLive}}
	if d := DecideHosted(idlive, 50); d.Outcome != OutcomeApproved {
		t.Errorf("idlive live: %+v", d)
	}
	tok := live
	tok.BioTokenEngineResult = unico.BioTokenEngineResultPositive
	idtoken := unico.Process{Flow: "idtoken", State: unico.ProcessStateFinished, Result: unico.ProcessResultOK, AuthenticationInfo: tok}
	if d := DecideHosted(idtoken, 50); d.Outcome != OutcomeApproved || d.Reasons[0].Code != ReasonBioTokenPositive {
		t.Errorf("idtoken positive: %+v", d)
	}
	tok.BioTokenEngineResult = "BIO_TOKEN_ENGINE_RESULT_NEGATIVE"
	idtoken.AuthenticationInfo = tok
	if d := DecideHosted(idtoken, 50); d.Outcome != OutcomeRejected {
		t.Errorf("idtoken negative: %+v", d)
	}
	// A positive identity with a behaviour alert goes to review, not approval.
	pos := live
	pos.AuthenticationResult, pos.IdentityFraudstersResult = unico.AuthenticationResultPositive, unico.TrustResultYes
	if d := DecideHosted(hosted(unico.ProcessStateFinished, unico.ProcessResultOK, pos), 50); d.Outcome != OutcomeReview {
		t.Errorf("positive+fraudster: %+v", d)
	}
	// A document whose CPF does not match sends an approval to review.
	pos.IdentityFraudstersResult = ""
	docs := hosted(unico.ProcessStateFinished, unico.ProcessResultOK, pos)
	docs.Services = []unico.Service{{Documents: []unico.Document{{Typified: true, CPFMatch: false, FaceMatch: true}}}}
	if d := DecideHosted(docs, 50); d.Outcome != OutcomeReview || d.Reasons[len(d.Reasons)-1].Code != ReasonDocumentCPFMismatch {
		t.Errorf("doc mismatch: %+v", d)
	}
	// The threshold is configuration.
	inc := live
	inc.AuthenticationResult = unico.AuthenticationResultInconclusive
	inc.ScoreEngineResult = unico.ScoreEngineResult{ScoreEnabled: unico.ScoreEnabledTrue, Score: 60}
	if d := DecideHosted(hosted(unico.ProcessStateFinished, unico.ProcessResultOK, inc), 70); d.Outcome != OutcomeReview {
		t.Errorf("score 60 with threshold 70: %+v", d)
	}
}
