package domain

import (
	"testing"

	"github.com/unicogw/gateway/shared/unico"
)

// TestDecideHostedFamilies: flows that report their verdict outside authenticationResult
// (idtoken: bioTokenEngineResult; idsmart: smartRevalidationResult; idage: idAgeResult).
func TestDecideHostedFamilies(t *testing.T) {
	live, notLive := unico.LivenessResultLive, unico.LivenessResultNotLive
	proc := func(flow string, result unico.ProcessResult, a unico.AuthenticationInfo) unico.Process {
		return unico.Process{Flow: unico.Flow(flow), State: unico.ProcessStateFinished, Result: result, AuthenticationInfo: a}
	}
	cases := []struct {
		name    string
		p       unico.Process
		outcome Outcome
		reason  string
	}{
		{"idtoken negative under INVALID_IDENTITY", proc("idtoken", unico.ProcessResultInvalidIdentity,
			unico.AuthenticationInfo{LivenessResult: live, BioTokenEngineResult: "BIO_TOKEN_ENGINE_RESULT_NEGATIVE"}), OutcomeRejected, ReasonBioTokenNegative},
		{"idtoken not live", proc("idtokentrust", unico.ProcessResultInvalidIdentity,
			unico.AuthenticationInfo{LivenessResult: notLive}), OutcomeRejected, ReasonLivenessFailed},
		{"idtoken without 1:1 result", proc("idtoken", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, BioTokenEngineResult: unico.BioTokenEngineResultUnspecified}), OutcomeRetry, ReasonBioTokenMissing},
		{"custom idtoken flow", proc("idtoken_r2", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, BioTokenEngineResult: unico.BioTokenEngineResultPositive}), OutcomeApproved, ReasonBioTokenPositive},
		{"idsmart positive", proc("idsmart", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, SmartRevalidationResult: "SMART_REVALIDATION_RESULT_POSITIVE"}), OutcomeApproved, ReasonSmartPositive},
		{"idsmart negative", proc("idsmart", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, SmartRevalidationResult: "SMART_REVALIDATION_RESULT_NEGATIVE"}), OutcomeRejected, ReasonSmartNegative},
		{"idsmart negative under INVALID_IDENTITY", proc("idsmart", unico.ProcessResultInvalidIdentity,
			unico.AuthenticationInfo{LivenessResult: live, SmartRevalidationResult: "SMART_REVALIDATION_RESULT_NEGATIVE"}), OutcomeRejected, ReasonSmartNegative},
		{"idsmart unspecified", proc("idsmart", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, SmartRevalidationResult: unico.SmartRevalidationResultUnspecified}), OutcomeRetry, ReasonSmartMissing},
		{"idsmart unknown value", proc("idsmart", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, SmartRevalidationResult: "SMART_REVALIDATION_RESULT_MAYBE"}), OutcomeReview, ReasonUnknownResult},
		{"idage needs review", proc("idage", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live, IDAgeResult: unico.IDAgeResultUnspecified}), OutcomeReview, ReasonAgeUnreviewed},
		{"idagedocumentless without result", proc("idagedocumentless", unico.ProcessResultOK,
			unico.AuthenticationInfo{LivenessResult: live}), OutcomeReview, ReasonAgeUnreviewed},
		{"idage not live", proc("idage", unico.ProcessResultInvalidIdentity,
			unico.AuthenticationInfo{LivenessResult: notLive}), OutcomeRejected, ReasonLivenessFailed},
		{"awaiting document", unico.Process{Flow: "idunicodocs_r2", State: "PROCESS_STATE_AWAITING_DOCUMENT"}, OutcomePending, ReasonAwaitingDocument},
		{"canceled", unico.Process{Flow: "id", State: unico.ProcessStateCanceled}, OutcomeRetry, ReasonProcessCanceled},
		{"refused", proc("id", unico.ProcessResultRefused, unico.AuthenticationInfo{}), OutcomeRejected, ReasonRefused},
		{"warning", proc("id", unico.ProcessResultWarning, unico.AuthenticationInfo{}), OutcomeReview, ReasonWarning},
	}
	for _, c := range cases {
		d := DecideHosted(c.p, 50)
		if d.Outcome != c.outcome || len(d.Reasons) == 0 || d.Reasons[0].Code != c.reason {
			t.Errorf("%s: got %s %+v, want %s %s", c.name, d.Outcome, d.Reasons, c.outcome, c.reason)
		}
	}
}

// TestStateRankCustomFlow: a custom flow moves from awaiting_document to created (the document
// was set) and never back.
func TestStateRankCustomFlow(t *testing.T) {
	if !(StateAwaitingDocument.Rank() < StateCreated.Rank() && StateCreated.Rank() < StateProcessing.Rank() &&
		StateProcessing.Rank() < StateFinished.Rank()) || StateAwaitingDocument.Final() {
		t.Fatal("state ranks out of order")
	}
	p := Process{State: StateAwaitingDocument}
	applyHosted(&p, unico.Process{State: unico.ProcessStateCreated}, 50)
	if p.State != StateCreated {
		t.Fatalf("awaiting_document -> created: %s", p.State)
	}
	applyHosted(&p, unico.Process{State: "PROCESS_STATE_AWAITING_DOCUMENT"}, 50)
	if p.State != StateCreated {
		t.Fatalf("moved backwards: %s", p.State)
	}
}
