package unicosim

// ReviewScenario is one way to reach a verification in review (the gateway's decision
// "review": a person decides with POST /v1/processes/{id}/review): a scenario CPF with the
// flow (by Unico) or capability set (by Client) that leads there, and the reason code the
// gateway gives. local/devstack checks every row through the local stack.
type ReviewScenario struct {
	Scenario    string // a scenario name (ScenarioCPF gives its CPF)
	Integration string // "by Unico" or "by Client"
	Flow        string // by Unico: the flow; by Client: the capability set
	Reason      string // the gateway's reason code for review
	Description string
}

// ReviewScenarios lists the simulator's scenarios that end in review, for app teams building
// their review screens offline.
func ReviewScenarios() []ReviewScenario {
	return []ReviewScenario{
		{"review_inconclusive", byUnico, "id", "identity_inconclusive", "identity inconclusive and no risk score (any flow without the score engine: id, iddocs, idunico...)"},
		{"approved", byUnico, "idage", "age_result_needs_review", "the age flows: their results are not documented, so a person decides"},
		{"approved", byUnico, "idagedocumentless", "age_result_needs_review", "the same, without a document"},
		{"inconclusive", byClient, "identity", "identity_inconclusive", "unicoId inconclusive without a score (identity keys have no score engine)"},
		{"fraudster", byClient, "oneToOne", "behavior_alert_fraudster", "1:1 matched, but a behaviour alert (identityFraudsters yes)"},
		{"divergence", byClient, "riskScore", "risk_score_divergence", "status 2: a risk-score divergence"},
	}
}
