package unico

import (
	"strconv"
	"strings"
	"time"
)

// Flow is the by-Unico journey (process.flow). Tenants may also have custom flows (e.g.
// "idunicodocs_r2"); those are kept verbatim and reported by Known as false.
type Flow string

// The 29 flows of the CreateProcess OpenAPI enum (reference §3.1.2).
const (
	FlowIDLive                Flow = "idlive"
	FlowID                    Flow = "id"
	FlowIDLiveTrust           Flow = "idlivetrust"
	FlowIDCheck               Flow = "idcheck"
	FlowIDDocs                Flow = "iddocs"
	FlowIDSign                Flow = "idsign"
	FlowIDDocsSign            Flow = "iddocssign"
	FlowIDCheckTrust          Flow = "idchecktrust"
	FlowIDCheckTrustDocs      Flow = "idchecktrustdocs"
	FlowIDCheckTrustSign      Flow = "idchecktrustsign"
	FlowIDCheckTrustDocsSign  Flow = "idchecktrustdocssign"
	FlowIDCheckSerpro         Flow = "idcheckserpro"
	FlowIDCheckSerproDocs     Flow = "idcheckserprodocs"
	FlowIDCheckSerproDocsSign Flow = "idcheckserprodocssign"
	FlowCreditoConsignado     Flow = "creditoconsignado"
	FlowIDTrust               Flow = "idtrust"
	FlowIDUnicoDocs           Flow = "idunicodocs"
	FlowIDUnicoSign           Flow = "idunicosign"
	FlowIDUnicoDocsSign       Flow = "idunicodocssign"
	FlowIDUnicoSerproDocsSign Flow = "idunicoserprodocssign"
	FlowIDTrustDocs           Flow = "idtrustdocs"
	FlowIDTrustSign           Flow = "idtrustsign"
	FlowIDTrustDocsSign       Flow = "idtrustdocssign"
	FlowIDToken               Flow = "idtoken"
	FlowIDTokenTrust          Flow = "idtokentrust"
	FlowIDTokenSign           Flow = "idtokensign"
	FlowIDSmart               Flow = "idsmart"
	FlowIDAge                 Flow = "idage"
	FlowIDAgeDocumentless     Flow = "idagedocumentless"
)

// Flows lists every documented flow, in the order of Unico's OpenAPI enum.
var Flows = []Flow{
	FlowIDLive, FlowID, FlowIDLiveTrust, FlowIDCheck, FlowIDDocs, FlowIDSign, FlowIDDocsSign,
	FlowIDCheckTrust, FlowIDCheckTrustDocs, FlowIDCheckTrustSign, FlowIDCheckTrustDocsSign,
	FlowIDCheckSerpro, FlowIDCheckSerproDocs, FlowIDCheckSerproDocsSign, FlowCreditoConsignado,
	FlowIDTrust, FlowIDUnicoDocs, FlowIDUnicoSign, FlowIDUnicoDocsSign, FlowIDUnicoSerproDocsSign,
	FlowIDTrustDocs, FlowIDTrustSign, FlowIDTrustDocsSign, FlowIDToken, FlowIDTokenTrust,
	FlowIDTokenSign, FlowIDSmart, FlowIDAge, FlowIDAgeDocumentless,
}

// RecommendedFlows are the flows Unico's overview recommends today; idcheck* (Risk Score) is
// being discontinued.
var RecommendedFlows = []Flow{
	FlowIDLive, FlowID, FlowIDLiveTrust, FlowIDTrust, FlowIDUnicoDocs, FlowIDUnicoSign,
	FlowIDUnicoDocsSign, FlowIDTrustDocs, FlowIDTrustSign, FlowIDTrustDocsSign, FlowIDToken,
	FlowIDTokenTrust, FlowIDTokenSign,
}

var flowSet = setOf(Flows...)

// Known reports whether f is one of the 29 documented flows.
func (f Flow) Known() bool { _, ok := flowSet[f]; return ok }

// FlowNeedsPayload reports whether CreateProcess for f must carry payload[] (electronic
// signature: every documented flow ending in "sign", and creditoconsignado). Unknown (custom)
// flows report false: their needs are agreed with Unico per tenant.
func FlowNeedsPayload(f Flow) bool {
	if !f.Known() {
		return false
	}
	return strings.HasSuffix(string(f), "sign") || f == FlowCreditoConsignado
}

// FlowNeedsBioToken reports whether CreateProcess for f must carry bioTokenId (idtoken,
// idtokentrust, idtokensign).
func FlowNeedsBioToken(f Flow) bool {
	return f.Known() && strings.HasPrefix(string(f), "idtoken")
}

// FlowNeedsUseCase reports whether CreateProcess for f must carry useCase (idsmart).
func FlowNeedsUseCase(f Flow) bool { return f == FlowIDSmart }

// FlowHasDocuments reports whether f captures or reuses documents (the "docs" family).
func FlowHasDocuments(f Flow) bool {
	return f.Known() && strings.Contains(string(f), "docs")
}

// FormatExpiresIn renders a process lifetime as Unico's expiresIn ("3600s"), rounded down to
// whole seconds.
func FormatExpiresIn(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
