package unicosim

import (
	"regexp"
	"strings"
)

// knownFlows is the OpenAPI flow enum of §3.1.2.
var knownFlows = []string{
	"idlive", "id", "idlivetrust", "idcheck", "iddocs", "idsign", "iddocssign", "idchecktrust", "idchecktrustdocs",
	"idchecktrustsign", "idchecktrustdocssign", "idcheckserpro", "idcheckserprodocs", "idcheckserprodocssign",
	"creditoconsignado", "idtrust", "idunicodocs", "idunicosign", "idunicodocssign", "idunicoserprodocssign",
	"idtrustdocs", "idtrustsign", "idtrustdocssign", "idtoken", "idtokentrust", "idtokensign", "idsmart", "idage",
	"idagedocumentless",
}

// KnownFlows returns the flow names CreateProcess accepts (custom flows add a suffix such as "_r2").
func KnownFlows() []string { return append([]string(nil), knownFlows...) }

var knownFlowSet = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range knownFlows {
		m[f] = true
	}
	return m
}()

// customFlowRE matches a tenant's custom flow: a known flow plus "_<suffix>" (Postman: idunicodocs_r2).
var customFlowRE = regexp.MustCompile(`^([a-z]+)_([a-z0-9]+)$`)

// flowInfo is what a flow does.
type flowInfo struct {
	name, base string
	custom     bool
	identity   bool // IDUNICO: authenticationResult
	check      bool // IDCHECK (risk score)
	trust      bool // Behavior Alert: identityFraudstersResult
	docs       bool
	sign       bool
	serpro     bool
	token      bool // idtoken*: bioTokenEngineResult
	smart      bool
	age        bool
}

func parseFlow(name string) (flowInfo, bool) {
	base, custom := name, false
	if !knownFlowSet[name] {
		m := customFlowRE.FindStringSubmatch(name)
		if m == nil || !knownFlowSet[m[1]] {
			return flowInfo{}, false
		}
		base, custom = m[1], true
	}
	f := flowInfo{name: name, base: base, custom: custom}
	switch {
	case base == "idlive":
	case base == "idlivetrust":
		f.trust = true
	case strings.HasPrefix(base, "idtoken"):
		f.token = true
		f.trust = strings.Contains(base, "trust")
		f.sign = strings.HasSuffix(base, "sign")
	case base == "idsmart":
		f.smart = true
	case base == "idage":
		f.age, f.docs = true, true
	case base == "idagedocumentless":
		f.age = true
	case base == "creditoconsignado":
		// GUESS: capacities are not documented; it is listed with the signature flows.
		f.identity, f.check, f.docs, f.sign = true, true, true, true
	default:
		f.identity = true
		f.trust = strings.Contains(base, "trust")
		f.docs = strings.Contains(base, "docs")
		f.sign = strings.HasSuffix(base, "sign")
		f.serpro = strings.Contains(base, "serpro")
		// The seeds show IDCHECK for idcheck*, iddocs, idsign and iddocssign, not for id, idunico*, idtrust*.
		f.check = strings.Contains(base, "check") || base == "iddocs" || base == "idsign" || base == "iddocssign"
	}
	return f, true
}

// capacities lists PROCESS_CAPACITY_* values for the flow.
// GUESS for idsmart and idage*: only IDLIVE (and IDDOCS for idage) are reported.
func (f flowInfo) capacities() []string {
	c := []string{"PROCESS_CAPACITY_IDLIVE"}
	if f.identity {
		c = append(c, "PROCESS_CAPACITY_IDUNICO")
	}
	if f.check {
		c = append(c, "PROCESS_CAPACITY_IDCHECK")
	}
	if f.trust {
		c = append(c, "PROCESS_CAPACITY_IDTRUST")
	}
	if f.docs {
		c = append(c, "PROCESS_CAPACITY_IDDOCS")
	}
	if f.sign {
		c = append(c, "PROCESS_CAPACITY_IDSIGN")
	}
	if f.token {
		c = append(c, "PROCESS_CAPACITY_IDTOKEN")
	}
	return c
}

var validPurposes = map[string]bool{"creditprocess": true, "biometryonboarding": true, "carpurchase": true, "ageverification": true}

var validDuiTypes = map[string]bool{
	"DUI_TYPE_BR_CPF": true, "DUI_TYPE_MX_CURP": true, "DUI_TYPE_US_SSN": true, "DUI_TYPE_BR_PASSPORT": true,
	"DUI_TYPE_AR_PASSPORT": true, "DUI_TYPE_AR_DNI": true, "DUI_TYPE_NG_NIN": true, "DUI_TYPE_CL_RUN": true,
	"DUI_TYPE_EC_NI": true, "DUI_TYPE_US_PASSPORT": true, "DUI_TYPE_GT_CUI": true, "DUI_TYPE_UY_CI": true,
	"DUI_TYPE_ZZ_EMAIL": true, "DUI_TYPE_ID_NIK": true, "DUI_TYPE_ZZ_PHONE_NUMBER": true,
	"DUI_TYPE_US_DRIVER_LICENSE": true, "DUI_TYPE_NG_BVN": true,
}

var validChannels = map[string]bool{
	"NOTIFICATION_CHANNEL_WHATSAPP": true, "NOTIFICATION_CHANNEL_SMS": true, "NOTIFICATION_CHANNEL_EMAIL": true,
}
