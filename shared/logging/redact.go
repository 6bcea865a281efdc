package logging

import (
	"regexp"
	"strings"
)

// Placeholders written in place of redacted data.
const (
	Redacted    = "[REDACTED]"
	placeCPF    = "[CPF]"
	placeJWT    = "[JWT]"
	placePEM    = "[PEM]"
	placeEmail  = "[EMAIL]"
	placePhone  = "[PHONE]"
	placeBase64 = "[BASE64]"
)

// minBase64Run is the length from which an unbroken base64 run (an image, a document, a
// DER key body) is replaced by [BASE64].
const minBase64Run = 200

var (
	// PEM: a whole block, also when its newlines are JSON-escaped; then what is left of a
	// block cut short (a lone BEGIN line and the base64 that follows it, or a lone END line).
	rePEMBlock = regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]{1,64}-----.*?-----END [A-Z0-9 ]{1,64}-----`)
	rePEMBegin = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]{1,64}-----(?:[A-Za-z0-9+/=:,\-\s]|\\[nr])*`)
	rePEMEnd   = regexp.MustCompile(`-----END [A-Z0-9 ]{1,64}-----`)
	// The base64 body of a DER key without its armour: an ASN.1 SEQUENCE ("MII...").
	reDERBody = regexp.MustCompile(`MII[A-Za-z0-9+/]{60,}={0,2}`)
	reBase64  = regexp.MustCompile(`[A-Za-z0-9+/]{200,}={0,2}`)

	// Authorization schemes. Group 1 is the scheme, group 2 the credential.
	reAuthScheme = regexp.MustCompile(`(?i)\b(bearer|basic)\s+([A-Za-z0-9\-._~+/]+=*)`)
	// JWT/JWS (three segments) and JWE (five); the header always starts with {" = eyJ.
	reJWT = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*)?`)

	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

	// Brazilian phones: +55 / 55, area code, 8 or 9 digits, with optional separators; and
	// the local form (11) 98765-4321.
	rePhone      = regexp.MustCompile(`\+?55[\s.\-]?\(?\d{2}\)?[\s.\-]?\d{4,5}[\s.\-]?\d{4}`)
	rePhoneLocal = regexp.MustCompile(`\(\d{2}\)\s?\d{4,5}[\s\-]?\d{4}`)

	// CPF: 11 digits, plain or as 123.456.789-09. Digit-run boundaries are checked in code
	// (RE2 has no look-around).
	reCPF = regexp.MustCompile(`\d{3}\.?\d{3}\.?\d{3}-?\d{2}`)

	reUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
)

// hints is what a cheap scan of a string finds; it decides which expressions run.
type hints struct {
	digits    int
	numbers   bool // a digit run shaped like the start of a CPF or phone
	at        bool // '@' or %40
	dashes    bool // "-----"
	der       bool // "MII"
	jwt       bool // "eyJ"
	auth      bool // bearer / basic, any case
	paren     bool // '(' for local phones
	longToken bool // at least minBase64Run bytes
}

func (h hints) any() bool {
	return h.numbers || h.at || h.dashes || h.der || h.jwt || h.auth || h.longToken
}

func scan(s string) hints {
	var h hints
	h.longToken = len(s) >= minBase64Run
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			h.digits++
		case c == '@':
			h.at = true
		case c == '(':
			h.paren = true
		case c == '%':
			if i+2 < len(s) && s[i+1] == '4' && s[i+2] == '0' {
				h.at = true
			}
		case c == '-':
			if i+4 < len(s) && s[i+1] == '-' && s[i+2] == '-' && s[i+3] == '-' && s[i+4] == '-' {
				h.dashes = true
			}
		case c == 'M':
			if i+2 < len(s) && s[i+1] == 'I' && s[i+2] == 'I' {
				h.der = true
			}
		case c == 'e':
			if i+2 < len(s) && s[i+1] == 'y' && s[i+2] == 'J' {
				h.jwt = true
			}
		case c == 'b' || c == 'B':
			if hasFoldAt(s, i, "bearer") || hasFoldAt(s, i, "basic") {
				h.auth = true
			}
		}
	}
	h.numbers = h.digits >= 10 && digitCandidate(s)
	return h
}

// digitCandidate reports whether s has a run of digits that could start a CPF or a
// Brazilian phone number, so that the digit expressions need to run. Fractions (the digits
// after "1.") never do, which keeps timestamps with nanoseconds off the slow path.
func digitCandidate(s string) bool {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		n := j - i
		next := func(k int) byte { // the byte k after the run, or 0
			if j+k < len(s) {
				return s[j+k]
			}
			return 0
		}
		if !(i >= 2 && s[i-1] == '.' && isDigit(s[i-2])) {
			switch {
			case n == 11:
				return true
			case (n == 12 || n == 13) && s[i] == '5' && s[i+1] == '5':
				return true
			case (n == 3 || n == 6) && next(0) == '.' && isDigit(next(1)):
				return true
			case n == 9 && next(0) == '-' && isDigit(next(1)):
				return true
			case n == 2 && s[i] == '5' && s[i+1] == '5' && (i > 0 && s[i-1] == '+' ||
				next(0) == '(' || (next(0) == ' ' || next(0) == '-') && (isDigit(next(1)) || next(1) == '(')):
				return true
			case n == 2 && i > 0 && s[i-1] == '(' && next(0) == ')':
				return true
			}
		}
		i = j
	}
	return false
}

// hasFoldAt reports whether s[i:] starts with lower (ASCII lower case), ignoring case.
func hasFoldAt(s string, i int, lower string) bool {
	if len(s)-i < len(lower) {
		return false
	}
	for j := 0; j < len(lower); j++ {
		c := s[i+j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[j] {
			return false
		}
	}
	return true
}

// Redact scrubs personal data and secrets out of free text: CPFs, JWTs, PEM blocks, long
// base64 runs, e-mail addresses, Brazilian phone numbers and Bearer/Basic credentials.
// UUIDs and ISO-8601 timestamps survive. A string with nothing to scrub is returned as is,
// without allocating. Use it on any text bound for a log line or an error message.
func Redact(s string) string {
	h := scan(s)
	if !h.any() {
		return s
	}
	if h.dashes {
		s = rePEMBlock.ReplaceAllLiteralString(s, placePEM)
		s = rePEMBegin.ReplaceAllLiteralString(s, placePEM)
		s = rePEMEnd.ReplaceAllLiteralString(s, placePEM)
	}
	if h.der {
		s = reDERBody.ReplaceAllLiteralString(s, placePEM)
	}
	if h.longToken {
		s = reBase64.ReplaceAllLiteralString(s, placeBase64)
	}
	if h.auth {
		s = replace(s, reAuthScheme, func(s string, m []int) string {
			cred := s[m[4]:m[5]]
			if isLowerWord(cred) { // "Basic authentication failed", "bearer token missing"
				return s[m[0]:m[1]]
			}
			return s[m[2]:m[3]] + " " + Redacted
		})
	}
	if h.jwt {
		s = reJWT.ReplaceAllLiteralString(s, placeJWT)
	}
	if h.at {
		s = reEmail.ReplaceAllLiteralString(s, placeEmail)
	}
	if h.numbers {
		s = redactDigits(s, h.paren)
	}
	return s
}

// redactDigits replaces phones and CPFs that are not part of a longer digit run and not
// inside a UUID.
func redactDigits(s string, paren bool) string {
	var uuids [][]int
	if strings.IndexByte(s, '-') >= 0 {
		uuids = reUUID.FindAllStringIndex(s, -1)
	}
	keep := func(s string, m []int) bool { return !digitMatchCounts(s, m, uuids) }
	s = replaceKeep(s, rePhone, keep, placePhone)
	if paren {
		s = replaceKeep(s, rePhoneLocal, keep, placePhone)
	}
	if len(uuids) > 0 { // spans moved if a phone was replaced
		uuids = reUUID.FindAllStringIndex(s, -1)
	}
	return replaceKeep(s, reCPF, keep, placeCPF)
}

// digitMatchCounts reports whether the CPF or phone match m of s stands on its own: not
// part of a longer digit run, not the fraction of a number (a timestamp's nanoseconds),
// not inside a UUID.
func digitMatchCounts(s string, m []int, uuids [][]int) bool {
	if m[0] > 0 && isDigit(s[m[0]-1]) || m[1] < len(s) && isDigit(s[m[1]]) {
		return false
	}
	if m[0] >= 2 && s[m[0]-1] == '.' && isDigit(s[m[0]-2]) {
		return false
	}
	for _, u := range uuids {
		if m[0] < u[1] && u[0] < m[1] {
			return false
		}
	}
	return true
}

func replaceKeep(s string, re *regexp.Regexp, keep func(string, []int) bool, with string) string {
	return replace(s, re, func(s string, m []int) string {
		if keep(s, m) {
			return s[m[0]:m[1]]
		}
		return with
	})
}

// replace rewrites every match of re in s with repl(s, submatch indexes).
func replace(s string, re *regexp.Regexp, repl func(s string, m []int) string) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m[0]])
		b.WriteString(repl(s, m))
		last = m[1]
	}
	b.WriteString(s[last:])
	if out := b.String(); out != s {
		return out
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLowerWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// sensitiveExact and sensitiveSuffix are normalised keys (lower case, without '_', '-',
// '.' and spaces) whose values are never logged.
var sensitiveExact = map[string]struct{}{
	"cpf": {}, "duivalue": {}, "name": {}, "friendlyname": {}, "personname": {},
	"nomecivil": {}, "fullname": {}, "nome": {}, "nomecompleto": {}, "socialname": {},
	"nomesocial": {}, "phone": {}, "telefone": {}, "celular": {}, "mobile": {},
	"email": {}, "password": {}, "passwd": {}, "secret": {}, "token": {},
	"accesstoken": {}, "authorization": {}, "apikey": {}, "assertion": {},
	"privatekey": {}, "privatekeypem": {}, "pem": {}, "imagebase64": {}, "image": {},
	"selfie": {}, "filecontents": {}, "personimage": {}, "body": {}, "cookie": {},
	"setcookie": {}, "credentials": {}, "cpfhashkey": {}, "birthdate": {},
	"datanascimento": {},
}

var sensitiveSuffix = []string{
	"cpf", "email", "phone", "password", "token", "apikey", "secret", "privatekey", "pem",
	"selfie", "imagebase64", "authorization", "hashkey", "body", "jwt",
}

// SensitiveKey reports whether an attribute or field named key always has its value
// replaced by [REDACTED]. The match ignores case and the characters '_', '-', '.' and ' '.
func SensitiveKey(key string) bool {
	var buf [64]byte
	n := 0
	// Normalise from the end so that long keys keep their suffix.
	for i := len(key) - 1; i >= 0 && n < len(buf); i-- {
		c := key[i]
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[len(buf)-1-n] = c
		n++
	}
	norm := buf[len(buf)-n:]
	if _, ok := sensitiveExact[string(norm)]; ok {
		return true
	}
	for _, suf := range sensitiveSuffix {
		if len(norm) >= len(suf) && string(norm[len(norm)-len(suf):]) == suf {
			return true
		}
	}
	return false
}
