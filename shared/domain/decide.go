package domain

import (
	"strconv"
	"strings"

	"github.com/unicogw/gateway/shared/unico"
)

// Reason codes. They are stable: app backends branch on them.
const (
	ReasonAwaitingPerson       = "awaiting_person"
	ReasonAwaitingDocument     = "awaiting_document"
	ReasonProcessFailed        = "process_failed"
	ReasonProcessCanceled      = "process_canceled"
	ReasonUnicoError           = "unico_error"
	ReasonExpired              = "process_expired"
	ReasonLivenessFailed       = "liveness_failed"
	ReasonLivenessMissing      = "liveness_missing"
	ReasonIdentityPositive     = "identity_confirmed"
	ReasonIdentityNegative     = "face_does_not_match_cpf"
	ReasonIdentityMissing      = "identity_missing"
	ReasonIdentityInconclusive = "identity_inconclusive"
	ReasonRiskScoreDivergence  = "risk_score_divergence"
	ReasonScoreZero            = "risk_score_zero_possible_cpf_error"
	ReasonScoreNegative        = "risk_score_negative"
	ReasonScoreApproved        = "risk_score_approved"
	ReasonScoreBelowThreshold  = "risk_score_below_threshold"
	ReasonFraudster            = "behavior_alert_fraudster"
	ReasonLivenessConfirmed    = "liveness_confirmed"
	ReasonBioTokenPositive     = "biometric_token_matched"
	ReasonBioTokenNegative     = "biometric_token_not_matched"
	ReasonBioTokenMissing      = "biometric_token_missing"
	ReasonInvalidIdentity      = "invalid_identity"
	ReasonRefused              = "process_refused"
	ReasonWarning              = "process_warning"
	ReasonDocumentCPFMismatch  = "document_cpf_mismatch"
	ReasonDocumentFaceMismatch = "document_face_mismatch"
	ReasonSmartPositive        = "smart_revalidation_confirmed"
	ReasonSmartNegative        = "smart_revalidation_not_matched"
	ReasonSmartMissing         = "smart_revalidation_missing"
	ReasonAgeUnreviewed        = "age_result_needs_review"
	ReasonUnknownResult        = "unknown_unico_result"
	ReasonUnknownState         = "unknown_unico_state"
)

func decision(o Outcome, reasons ...Reason) Decision { return Decision{Outcome: o, Reasons: reasons} }

func reason(code, msg string) Reason { return Reason{Code: code, Message: msg} }

// stateOf maps Unico's process state to ours; ok is false for a state we do not know (the
// stored state is then kept, never moved backwards).
func stateOf(s unico.ProcessState) (State, bool) {
	switch s {
	case unico.ProcessStateCreated:
		return StateCreated, true
	case unico.ProcessStateFinished:
		return StateFinished, true
	case unico.ProcessStateFailed:
		return StateFailed, true
	case unico.ProcessStateCanceled:
		return StateCanceled, true
	}
	if strings.Contains(string(s), "AWAITING") {
		return StateAwaitingDocument, true
	}
	return "", false
}

// applyHosted copies what Unico says about a by-Unico process into p and decides.
func applyHosted(p *Process, up unico.Process, minScore float64) {
	if st, ok := stateOf(up.State); ok && st.Rank() >= p.State.Rank() {
		p.State = st
	}
	if up.State != "" {
		p.UnicoState = string(up.State)
	}
	if up.Result != "" {
		p.UnicoResult = string(up.Result)
	}
	if up.FinishedAt.Valid && p.State.Final() {
		p.FinishedAt = up.FinishedAt.Time
	}
	if up.ExpiresAt.Valid {
		p.UnicoExpiresAt = up.ExpiresAt.Time
	}
	p.Decision = DecideHosted(up, minScore)
}

// DecideHosted applies Unico's decision rules (reference §3.2.2: check state, then result, then
// authenticationInfo) and the response-scenario table to a by-Unico process.
func DecideHosted(up unico.Process, minScore float64) Decision {
	switch up.State {
	case unico.ProcessStateCreated, unico.ProcessStateUnspecified, "":
		return decision(OutcomePending, reason(ReasonAwaitingPerson, "The person has not finished the journey yet."))
	case unico.ProcessStateFailed:
		return decision(OutcomeRetry, reason(ReasonProcessFailed, "Unico could not run the process; start a new one."))
	case unico.ProcessStateCanceled:
		return decision(OutcomeRetry, reason(ReasonProcessCanceled, "The process was canceled; start a new one."))
	case unico.ProcessStateFinished:
	default:
		if st, _ := stateOf(up.State); st == StateAwaitingDocument {
			return decision(OutcomePending, reason(ReasonAwaitingDocument, "The process waits for the person's document (custom flow)."))
		}
		return decision(OutcomeReview, reason(ReasonUnknownState, "Unico reported a state this gateway does not know: "+safeEnum(string(up.State))+"."))
	}
	a := up.AuthenticationInfo
	switch up.Result {
	case unico.ProcessResultError:
		return decision(OutcomeRetry, reason(ReasonUnicoError, "The biometric process ended in error; try again."))
	case unico.ProcessResultExpired:
		return decision(OutcomeRetry, reason(ReasonExpired, "The process expired before the person finished the journey."))
	case unico.ProcessResultRefused:
		return decision(OutcomeRejected, reason(ReasonRefused, "Unico refused the process."))
	case unico.ProcessResultWarning:
		return decision(OutcomeReview, reason(ReasonWarning, "Unico finished the process with a warning."))
	case unico.ProcessResultInvalidIdentity:
		switch {
		case a.LivenessResult == unico.LivenessResultNotLive:
			return decision(OutcomeRejected, reason(ReasonLivenessFailed, "Liveness was declined: the selfie is not of a live person."))
		case a.AuthenticationResult == unico.AuthenticationResultNegative:
			return decision(OutcomeRejected, reason(ReasonIdentityNegative, "The face does not belong to the CPF holder."))
		case strings.Contains(string(a.BioTokenEngineResult), "NEGATIVE"):
			// idtoken* flows compare 1:1 and report no authenticationResult.
			return decision(OutcomeRejected, reason(ReasonBioTokenNegative, "The face does not match the reference process."))
		case strings.Contains(string(a.SmartRevalidationResult), "NEGATIVE"):
			return decision(OutcomeRejected, reason(ReasonSmartNegative, "Smart revalidation did not confirm the person."))
		case a.LivenessResult == unico.LivenessResultLive && unspecified(string(a.AuthenticationResult)):
			return decision(OutcomeRetry, reason(ReasonRiskScoreDivergence, "Identity could not be established (risk-score divergence); try again."))
		}
		return decision(OutcomeRejected, reason(ReasonInvalidIdentity, "Unico found the identity invalid."))
	case unico.ProcessResultOK:
	default:
		return decision(OutcomeReview, reason(ReasonUnknownResult, "Unico reported a result this gateway does not know: "+safeEnum(string(up.Result))+"."))
	}

	// FINISHED + OK: read authenticationInfo.
	if a.LivenessResult == unico.LivenessResultNotLive {
		return decision(OutcomeRejected, reason(ReasonLivenessFailed, "Liveness was declined: the selfie is not of a live person."))
	}
	if a.LivenessResult != unico.LivenessResultLive {
		return decision(OutcomeRetry, reason(ReasonLivenessMissing, "Unico returned no liveness result; try again."))
	}
	d := identityDecision(up, minScore)
	return withDocumentChecks(d, up)
}

func identityDecision(up unico.Process, minScore float64) Decision {
	a := up.AuthenticationInfo
	fraudster := a.IdentityFraudstersResult == unico.TrustResultYes
	flow := string(up.Flow)
	switch {
	case strings.HasPrefix(flow, "idtoken") || up.HasCapacity(unico.CapacityIDToken):
		switch a.BioTokenEngineResult {
		case unico.BioTokenEngineResultPositive:
			return withFraudster(decision(OutcomeApproved, reason(ReasonBioTokenPositive, "The face matches the reference process.")), fraudster)
		case "", unico.BioTokenEngineResultUnspecified:
			return decision(OutcomeRetry, reason(ReasonBioTokenMissing, "Unico returned no 1:1 result; try again."))
		}
		if strings.Contains(string(a.BioTokenEngineResult), "NEGATIVE") {
			return decision(OutcomeRejected, reason(ReasonBioTokenNegative, "The face does not match the reference process."))
		}
		return decision(OutcomeReview, reason(ReasonUnknownResult, "Unico reported a 1:1 result this gateway does not know: "+safeEnum(string(a.BioTokenEngineResult))+"."))
	}
	switch {
	case strings.HasPrefix(flow, "idsmart"):
		switch r := string(a.SmartRevalidationResult); {
		case strings.HasSuffix(r, "_POSITIVE"):
			return withFraudster(decision(OutcomeApproved, reason(ReasonSmartPositive, "Smart revalidation confirmed the person.")), fraudster)
		case strings.HasSuffix(r, "_NEGATIVE"):
			return decision(OutcomeRejected, reason(ReasonSmartNegative, "Smart revalidation did not confirm the person."))
		case unspecified(r):
			return decision(OutcomeRetry, reason(ReasonSmartMissing, "Unico returned no smart-revalidation result; try again."))
		}
		return decision(OutcomeReview, reason(ReasonUnknownResult, "Unico reported a smart-revalidation result this gateway does not know: "+safeEnum(string(a.SmartRevalidationResult))+"."))
	case strings.HasPrefix(flow, "idage"):
		// Only ID_AGE_RESULT_UNSPECIFIED has ever been seen (reference §3.2.1): the gateway does
		// not guess what the other values mean and leaves the age decision to a person.
		r := safeEnum(string(a.IDAgeResult))
		if r == "" {
			r = "ID_AGE_RESULT_UNSPECIFIED"
		}
		return decision(OutcomeReview, reason(ReasonAgeUnreviewed, "Age verification result "+r+" needs a review (its values are not documented)."))
	}
	switch a.AuthenticationResult {
	case unico.AuthenticationResultPositive:
		return withFraudster(decision(OutcomeApproved, reason(ReasonIdentityPositive, "The face belongs to the CPF holder.")), fraudster)
	case unico.AuthenticationResultNegative:
		return decision(OutcomeRejected, reason(ReasonIdentityNegative, "The face does not belong to the CPF holder."))
	case unico.AuthenticationResultInconclusive:
		if fraudster {
			return decision(OutcomeRejected, reason(ReasonFraudster, "Behavior alert: the face is linked to identity fraud."))
		}
		s := a.ScoreEngineResult
		if s.ScoreEnabled != unico.ScoreEnabledTrue {
			return decision(OutcomeReview, reason(ReasonIdentityInconclusive, "Identity verification was inconclusive and no risk score is available."))
		}
		return scoreDecision(s.Score, minScore)
	case "", unico.AuthenticationResultUnspecified:
		if flow == "idlive" || (len(up.Capacities) == 1 && up.HasCapacity(unico.CapacityIDLive)) {
			return withFraudster(decision(OutcomeApproved, reason(ReasonLivenessConfirmed, "The selfie is of a live person (liveness-only flow).")), fraudster)
		}
		return decision(OutcomeRetry, reason(ReasonIdentityMissing, "Unico returned no identity result; try again."))
	}
	return decision(OutcomeReview, reason(ReasonUnknownResult, "Unico reported an identity result this gateway does not know: "+safeEnum(string(a.AuthenticationResult))+"."))
}

// scoreDecision reads a risk score: 0 means a capture or CPF error (retry), negative means
// probably not the holder, at or above the threshold is approved, in between goes to review.
func scoreDecision(score, minScore float64) Decision {
	s := strconv.FormatFloat(score, 'f', -1, 64)
	switch {
	case score == 0:
		return decision(OutcomeRetry, reason(ReasonScoreZero, "Risk score 0: a capture or CPF error; capture again."))
	case score < 0:
		return decision(OutcomeRejected, reason(ReasonScoreNegative, "Risk score "+s+": probably not the CPF holder."))
	case score >= minScore:
		return decision(OutcomeApproved, reason(ReasonScoreApproved, "Identity inconclusive, risk score "+s+" at or above the threshold."))
	}
	return decision(OutcomeReview, reason(ReasonScoreBelowThreshold, "Identity inconclusive, risk score "+s+" below the threshold."))
}

func withFraudster(d Decision, fraudster bool) Decision {
	if fraudster && d.Outcome == OutcomeApproved {
		d.Outcome = OutcomeReview
		d.Reasons = append(d.Reasons, reason(ReasonFraudster, "Behavior alert: the face is linked to identity fraud."))
	}
	return d
}

// withDocumentChecks sends an approved process with a document that does not match the CPF or
// the face to review: Unico reports the mismatch but does not fail the process for it.
func withDocumentChecks(d Decision, up unico.Process) Decision {
	if d.Outcome != OutcomeApproved {
		return d
	}
	for _, doc := range up.Documents() {
		if !doc.Typified {
			continue
		}
		if !doc.CPFMatch {
			d.Outcome = OutcomeReview
			d.Reasons = append(d.Reasons, reason(ReasonDocumentCPFMismatch, "A document's CPF does not match the person's."))
		}
		if !doc.FaceMatch {
			d.Outcome = OutcomeReview
			d.Reasons = append(d.Reasons, reason(ReasonDocumentFaceMismatch, "A document's photo does not match the selfie."))
		}
	}
	return d
}

func unspecified(s string) bool { return s == "" || strings.HasSuffix(s, "_UNSPECIFIED") }

// safeEnum keeps an unknown enum value printable and short: it goes into a message.
func safeEnum(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && i < 64; i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteByte(c)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}
