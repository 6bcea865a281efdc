package logging

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FindPII scans text (typically captured log output) for personal data and secrets and
// returns one finding per hit, or nil: each planted string (a test's CPF, name, token, ...;
// matched ignoring case and also in its JSON-escaped form), then anything that looks like a
// CPF, a Brazilian phone number, a PEM block or DER key body, a JWT, an e-mail address or a
// Bearer/Basic credential. Findings name the kind and byte offset, not the value, so a
// test can print them:
//
//	if f := logging.FindPII(buf.String(), cpf, name); len(f) > 0 { t.Errorf("PII in logs: %v", f) }
func FindPII(text string, planted ...string) []string {
	var out []string
	lower := strings.ToLower(text)
	for i, p := range planted {
		if p == "" {
			continue
		}
		forms := []string{p}
		if b, err := json.Marshal(p); err == nil {
			if esc := string(b[1 : len(b)-1]); esc != p {
				forms = append(forms, esc)
			}
		}
		for _, f := range forms {
			if at := strings.Index(text, f); at >= 0 {
				out = append(out, fmt.Sprintf("planted[%d] at %d", i, at))
				break
			}
			if at := strings.Index(lower, strings.ToLower(f)); at >= 0 {
				out = append(out, fmt.Sprintf("planted[%d] (case-insensitive) at %d", i, at))
				break
			}
		}
	}
	add := func(kind string, at int) { out = append(out, fmt.Sprintf("%s at %d", kind, at)) }
	for _, m := range rePEMBegin.FindAllStringIndex(text, -1) {
		add("PEM", m[0])
	}
	for _, m := range rePEMEnd.FindAllStringIndex(text, -1) {
		add("PEM end", m[0])
	}
	for _, m := range reDERBody.FindAllStringIndex(text, -1) {
		add("DER key body", m[0])
	}
	for _, m := range reJWT.FindAllStringIndex(text, -1) {
		add("JWT", m[0])
	}
	for _, m := range reEmail.FindAllStringIndex(text, -1) {
		add("e-mail", m[0])
	}
	for _, m := range reAuthScheme.FindAllStringSubmatchIndex(text, -1) {
		if !isLowerWord(text[m[4]:m[5]]) {
			add("authorization credential", m[0])
		}
	}
	uuids := reUUID.FindAllStringIndex(text, -1)
	digitHit := func(kind string, ms [][]int) {
		for _, m := range ms {
			if digitMatchCounts(text, m, uuids) {
				add(kind, m[0])
			}
		}
	}
	digitHit("phone", rePhone.FindAllStringIndex(text, -1))
	digitHit("phone", rePhoneLocal.FindAllStringIndex(text, -1))
	digitHit("CPF-like number", reCPF.FindAllStringIndex(text, -1))
	return out
}
