package domain

// By Client: Unico's status and results mapped to our state and decision.

import (
	"strconv"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// clientState maps Unico's by-Client status to ours; ok is false for an unknown status.
func clientState(status int) (State, bool) {
	switch status {
	case unico.ClientStatusInProgress:
		return StateProcessing, true
	case unico.ClientStatusDivergence, unico.ClientStatusCompleted:
		return StateFinished, true
	case unico.ClientStatusCanceled:
		return StateCanceled, true
	case unico.ClientStatusError:
		return StateFailed, true
	}
	return "", false
}

// applyClient copies what Unico says about a by-Client process into p and decides.
func applyClient(p *Process, cp unico.ClientProcess, minScore float64, now time.Time) {
	if st, ok := clientState(cp.Status); ok && st.Rank() >= p.State.Rank() {
		p.State = st
	}
	if p.State == "" {
		p.State = StateProcessing
	}
	p.UnicoState = strconv.Itoa(cp.Status)
	switch {
	case cp.UnicoID != nil && strings.TrimSpace(cp.UnicoID.Result) != "":
		p.UnicoResult = strings.ToLower(safeEnum(strings.TrimSpace(cp.UnicoID.Result)))
	default:
		if m, ok := cp.OneToOneMatched(); ok {
			p.UnicoResult = strconv.FormatBool(m)
		}
	}
	if p.State.Final() && p.FinishedAt.IsZero() {
		p.FinishedAt = now
	}
	p.Decision = DecideClient(p.Flow, cp, minScore)
}

// DecideClient decides a by-Client result (reference §4.1.7 and the capability pages): only
// status 3 is evaluated; 1 waits, 2 (risk-score divergence) goes to review, 4 (canceled) and 5
// (error) are retried with a new capture. For status 3 the capability says which result counts:
// liveness (1 live, 2 not live), identity (unicoId yes/no/inconclusive, any case, then the risk
// score against minScore), 1:1 (authenticated or biometryToken.result), with the behavior alert
// (identityFraudsters yes) sending an approval to review. government.serpro is shown, not decided.
func DecideClient(capability string, cp unico.ClientProcess, minScore float64) Decision {
	documents := capability == unico.CapabilityDocuments
	switch cp.Status {
	case unico.ClientStatusInProgress:
		if documents {
			return decision(OutcomePending, reason(ReasonDocumentProcessing, "Unico is still processing the document; read the process again."))
		}
		return decision(OutcomePending, reason(ReasonUnicoProcessing, "Unico is still processing the process (status 1); read it again."))
	case unico.ClientStatusDivergence:
		return decision(OutcomeReview, reason(ReasonRiskScoreDivergence, "Unico reported a risk-score divergence (status 2); review the process."))
	case unico.ClientStatusCanceled:
		return decision(OutcomeRetry, reason(ReasonProcessCanceled, "Unico canceled the process before processing it (status 4, e.g. a timeout); capture again and retry."))
	case unico.ClientStatusError:
		return decision(OutcomeRetry, reason(ReasonUnicoError, "Unico could not process the request (status 5); Unico recommends up to 3 new attempts with a new capture, then a contingency flow."))
	case unico.ClientStatusCompleted:
	default:
		return decision(OutcomeReview, reason(ReasonUnknownState, "Unico reported a status this gateway does not know: "+strconv.Itoa(cp.Status)+"."))
	}
	if documents {
		return decideClientDocument(cp)
	}
	if live, known := cp.Live(); known && !live {
		return decision(OutcomeRejected, reason(ReasonLivenessFailed, "Liveness was declined: the selfie is not of a live person."))
	}
	fraudster := cp.IdentityFraudsters.Yes()
	switch capability {
	case unico.CapabilityLiveness:
		if live, known := cp.Live(); known && live {
			return withFraudster(decision(OutcomeApproved, reason(ReasonLivenessConfirmed, "The selfie is of a live person.")), fraudster)
		}
		return decision(OutcomeRetry, reason(ReasonLivenessMissing, "Unico returned no liveness result; try again."))
	case unico.CapabilityOneToOne:
		matched, known := cp.OneToOneMatched()
		switch {
		case known && matched:
			return withFraudster(decision(OutcomeApproved, reason(ReasonBioTokenPositive, "The face matches the reference.")), fraudster)
		case known:
			return decision(OutcomeRejected, reason(ReasonBioTokenNegative, "The face does not match the reference."))
		case cp.BiometryToken != nil && strings.TrimSpace(cp.BiometryToken.Result) != "":
			return decision(OutcomeReview, reason(ReasonUnknownResult, "Unico reported a 1:1 result this gateway does not know: "+safeEnum(cp.BiometryToken.Result)+"."))
		}
		return decision(OutcomeRetry, reason(ReasonBioTokenMissing, "Unico returned no 1:1 result; try again."))
	}
	switch {
	case cp.UnicoID.Yes():
		return withFraudster(decision(OutcomeApproved, reason(ReasonIdentityPositive, "The face belongs to the CPF holder.")), fraudster)
	case cp.UnicoID.No():
		return decision(OutcomeRejected, reason(ReasonIdentityNegative, "The face does not belong to the CPF holder."))
	case cp.UnicoID.Inconclusive():
		if fraudster {
			return decision(OutcomeRejected, reason(ReasonFraudster, "Behavior alert: the face is linked to identity fraud."))
		}
		if cp.Score != nil {
			return scoreDecision(*cp.Score, minScore)
		}
		return decision(OutcomeReview, reason(ReasonIdentityInconclusive, "Identity verification was inconclusive and no risk score is available."))
	case cp.UnicoID == nil || strings.TrimSpace(cp.UnicoID.Result) == "":
		return decision(OutcomeRetry, reason(ReasonIdentityMissing, "Unico returned no identity result; try again."))
	}
	return decision(OutcomeReview, reason(ReasonUnknownResult, "Unico reported an identity result this gateway does not know: "+safeEnum(cp.UnicoID.Result)+"."))
}

func decideClientDocument(cp unico.ClientProcess) Decision {
	d := cp.Document
	if d == nil {
		return decision(OutcomeReview, reason(ReasonDocumentMissing, "Unico finished the document process without a document result."))
	}
	if d.CPFMatch != nil && !*d.CPFMatch {
		return decision(OutcomeReview, reason(ReasonDocumentCPFMismatch, "The document's CPF does not match the person's."))
	}
	return decision(OutcomeApproved, reason(ReasonDocumentProcessed, "Unico processed the document; its OCR data is in clientResults.document."))
}
