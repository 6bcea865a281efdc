package secrets

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/unicogw/gateway/shared/unico"
)

// MaxServiceAccountLen is Unico's limit on a service account name.
const MaxServiceAccountLen = 12

// Credentials is the parsed, validated view of the credentials secret
// (see unico.Credentials). The secret is re-parsed only when its string changes, i.e.
// after a rotation is picked up by the cache.
type Credentials struct {
	c *Cache

	mu     sync.Mutex
	parsed *parsed
}

type parsed struct {
	raw   string
	creds unico.Credentials
	key   *rsa.PrivateKey
	err   error
}

// NewCredentials returns the typed view of the credentials secret held by c.
func NewCredentials(c *Cache) *Credentials { return &Credentials{c: c} }

// Get returns the current credentials, validated (see Validate). The returned value is a
// copy the caller may keep; it is valid until the next rotation.
func (k *Credentials) Get(ctx context.Context) (unico.Credentials, error) {
	p, err := k.current(ctx)
	if err != nil {
		return unico.Credentials{}, err
	}
	out := p.creds
	out.APIKeys = maps.Clone(p.creds.APIKeys)
	out.Webhook = slices.Clone(p.creds.Webhook)
	return out, nil
}

// PrivateKey returns the parsed RSA key of the current credentials, for signing the
// assertion JWT.
func (k *Credentials) PrivateKey(ctx context.Context) (*rsa.PrivateKey, error) {
	p, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	return p.key, nil
}

// Invalidate makes the next Get fetch the secret again (see Cache.Invalidate).
func (k *Credentials) Invalidate() { k.c.Invalidate() }

func (k *Credentials) current(ctx context.Context) (*parsed, error) {
	raw, err := k.c.String(ctx)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if p := k.parsed; p != nil && p.raw == raw {
		return p, p.err
	}
	p := parse(raw, k.c.SecretID())
	k.parsed = p
	return p, p.err
}

func parse(raw, secretID string) *parsed {
	p := &parsed{raw: raw}
	if err := json.Unmarshal([]byte(raw), &p.creds); err != nil {
		p.err = &ValidationError{SecretID: secretID, Problems: []string{jsonProblem(err)}}
		return p
	}
	key, problems := validate(&p.creds)
	if len(problems) > 0 {
		p.err = &ValidationError{SecretID: secretID, Problems: problems}
		p.creds = unico.Credentials{}
		return p
	}
	p.key = key
	return p
}

// jsonProblem describes a JSON error without quoting any of the document.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("secret: not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		field := typ.Field
		if strings.HasPrefix(field, "apiKeys.") { // the rest is a map key, which is not quoted
			field = "apiKeys"
		}
		return field + ": wrong JSON type"
	case errors.As(err, &typ):
		return "secret: not a JSON object"
	default:
		return "secret: not valid JSON"
	}
}

// ValidationError is a malformed credentials secret. Problems name the fields (e.g.
// "webhook[1].password: missing"); no value from the secret is ever part of it.
type ValidationError struct {
	SecretID string // empty when validating a value that did not come from a Cache
	Problems []string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("secrets: invalid credentials")
	if e.SecretID != "" {
		fmt.Fprintf(&b, " in secret %q", e.SecretID)
	}
	b.WriteString(": ")
	b.WriteString(strings.Join(e.Problems, "; "))
	return b.String()
}

// Validate checks a credentials document: serviceAccount (1–12 characters), tenantId,
// privateKeyPem (an RSA key in a PKCS#1 or PKCS#8 PEM block), apiKeys (at least one, only
// known capabilities, none empty), webhook (at least one; each "basic" with username and
// password or "apikey" with header and value), cpfHashKey (at least 16 characters) and,
// when set, environment ("uat", "production" or "local"). The error is a *ValidationError naming
// every bad field and quoting no value.
func Validate(c unico.Credentials) error {
	if _, problems := validate(&c); len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	return nil
}

// validate checks c and returns its parsed key. It may normalise c.PrivateKeyPEM (JSON
// documents sometimes carry the PEM with escaped "\n").
func validate(c *unico.Credentials) (*rsa.PrivateKey, []string) {
	var problems []string
	bad := func(field, why string) { problems = append(problems, field+": "+why) }

	switch c.Environment {
	case "", "uat", "production", "local":
	default:
		bad("environment", `must be "uat", "production" or "local" (the simulator)`)
	}

	switch {
	case strings.TrimSpace(c.ServiceAccount) == "":
		bad("serviceAccount", "missing")
	case len([]rune(c.ServiceAccount)) > MaxServiceAccountLen:
		bad("serviceAccount", fmt.Sprintf("longer than %d characters", MaxServiceAccountLen))
	case strings.ContainsFunc(c.ServiceAccount, badIdentRune):
		bad("serviceAccount", "contains '@' or whitespace")
	}
	switch {
	case strings.TrimSpace(c.TenantID) == "":
		bad("tenantId", "missing")
	case strings.ContainsFunc(c.TenantID, badIdentRune):
		bad("tenantId", "contains '@' or whitespace")
	}

	key, why := parseRSAKey(c)
	if why != "" {
		bad("privateKeyPem", why)
	}

	if len(c.APIKeys) == 0 {
		bad("apiKeys", "missing (need at least one capability's key)")
	} else {
		unknown := false
		for _, name := range slices.Sorted(maps.Keys(c.APIKeys)) {
			if !slices.Contains(capabilities, name) {
				unknown = true // the name is not quoted: it might be a misplaced key
				continue
			}
			if strings.TrimSpace(c.APIKeys[name]) == "" {
				bad("apiKeys."+name, "empty")
			}
		}
		if unknown {
			bad("apiKeys", "has an entry that is not a known capability (known: "+strings.Join(capabilities, ", ")+")")
		}
	}

	if len(c.Webhook) == 0 {
		bad("webhook", "missing (need at least one accepted credential)")
	}
	for i, w := range c.Webhook {
		f := fmt.Sprintf("webhook[%d]", i)
		switch w.Type {
		case "basic":
			if w.Username == "" {
				bad(f+".username", "missing")
			} else if strings.Contains(w.Username, ":") {
				bad(f+".username", "contains ':'")
			}
			if w.Password == "" {
				bad(f+".password", "missing")
			}
		case "apikey":
			if w.Header == "" {
				bad(f+".header", "missing")
			} else if !validHeaderName(w.Header) {
				bad(f+".header", "not a valid HTTP header name")
			}
			if w.Value == "" {
				bad(f+".value", "missing")
			}
		case "":
			bad(f+".type", "missing")
		default:
			bad(f+".type", `must be "basic" or "apikey"`)
		}
	}

	switch {
	case c.CPFHashKey == "":
		bad("cpfHashKey", "missing")
	case len(c.CPFHashKey) < 16:
		bad("cpfHashKey", "shorter than 16 characters")
	}
	return key, problems
}

var capabilities = []string{
	unico.CapabilityLiveness, unico.CapabilityIdentity, unico.CapabilityRiskScore,
	unico.CapabilityOneToOne, unico.CapabilityDocuments,
}

func badIdentRune(r rune) bool { return r == '@' || unicode.IsSpace(r) }

// parseRSAKey parses c.PrivateKeyPEM and returns the key, or why it is unusable. The
// reasons never include the key material or the parser's own message.
func parseRSAKey(c *unico.Credentials) (*rsa.PrivateKey, string) {
	if strings.TrimSpace(c.PrivateKeyPEM) == "" {
		return nil, "missing"
	}
	block, _ := pem.Decode([]byte(c.PrivateKeyPEM))
	if block == nil && strings.Contains(c.PrivateKeyPEM, `\n`) {
		fixed := strings.ReplaceAll(c.PrivateKeyPEM, `\n`, "\n")
		if block, _ = pem.Decode([]byte(fixed)); block != nil {
			c.PrivateKeyPEM = fixed
		}
	}
	if block == nil {
		return nil, "no PEM block found"
	}
	if _, ok := block.Headers["DEK-Info"]; ok {
		return nil, "encrypted PEM is not supported"
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, "not a valid PKCS#1 RSA private key"
		}
		return checkKey(key)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, "not a valid PKCS#8 private key"
		}
		key, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, "PKCS#8 key is not an RSA key"
		}
		return checkKey(key)
	default:
		return nil, `PEM block is not "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8)`
	}
}

func checkKey(key *rsa.PrivateKey) (*rsa.PrivateKey, string) {
	if err := key.Validate(); err != nil {
		return nil, "RSA key fails validation"
	}
	return key, ""
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}
