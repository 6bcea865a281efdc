package unicosim

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// allowedClaims is the exact claim set Unico accepts.
var allowedClaims = map[string]bool{"iss": true, "aud": true, "scope": true, "iat": true, "exp": true}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// handleToken implements POST /oauth2/token (JWT-bearer grant, RFC 7523) the way §2 describes it.
func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Content-Type must be application/x-www-form-urlencoded"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "malformed form body"})
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "grant_type must be " + jwtBearerGrant})
		return
	}
	assertion := r.PostForm.Get("assertion")
	if assertion == "" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "assertion is required"})
		return
	}

	now := s.now()
	code, exp := s.verifyAssertion(assertion, now)
	sum := sha256.Sum256([]byte(assertion))
	key := hex.EncodeToString(sum[:])

	s.mu.Lock()
	if s.cfg.LockoutThreshold > 0 && now.Before(s.lockedUntil) {
		s.stats.TokenRejects++
		s.mu.Unlock()
		authFail(w, "1.2.18")
		return
	}
	if code == "" {
		if _, dup := s.used[key]; dup {
			code = "1.2.7"
		}
	}
	if code != "" {
		s.stats.TokenRejects++
		s.failStreak++
		if s.cfg.LockoutThreshold > 0 && s.failStreak >= s.cfg.LockoutThreshold {
			s.lockedUntil = now.Add(s.cfg.LockoutCooldown)
			s.failStreak = 0
		}
		s.mu.Unlock()
		authFail(w, code)
		return
	}
	s.failStreak = 0
	s.used[key] = exp
	tok := randomToken(32)
	s.tokens[tok] = now.Add(s.cfg.TokenLifetime)
	s.stats.TokenMints++
	s.mints++
	if s.mints%256 == 0 {
		s.pruneAuthLocked(now)
	}
	s.mu.Unlock()

	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, ExpiresIn: int64(s.cfg.TokenLifetime / time.Second), TokenType: "Bearer"})
}

func (s *Simulator) pruneAuthLocked(now time.Time) {
	for k, exp := range s.tokens {
		if now.After(exp.Add(time.Hour)) { // keep recently expired ones so they answer "expired"
			delete(s.tokens, k)
		}
	}
	for k, exp := range s.used {
		if now.After(exp.Add(time.Minute)) { // an expired assertion fails with 1.2.4 anyway
			delete(s.used, k)
		}
	}
}

func authFail(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusUnauthorized, oauthError{"server_error", "Falha na autenticação " + code})
}

// verifyAssertion checks everything that does not need the simulator's state and returns the Unico
// error code ("" when valid) and the assertion's exp.
//
// Codes: 1.2.20 undecodable; 1.2.5 not RS256, wrong aud/iss account, bad iat/exp types, iat in the
// future (60 s skew), exp-iat > 3600 or exp <= iat, scope other than "*"; 1.2.21 bad signature
// (GUESS: developer.unico.io says a wrong private key gives 1.2.21; a tampered token cannot be told
// apart from a wrong key, so every signature failure is 1.2.21); 1.2.19 a sub claim; 1.2.22 any
// other extra claim; 1.1.1 no scope; 1.0.1 the tenant in iss is wrong; 1.2.4 expired.
func (s *Simulator) verifyAssertion(a string, now time.Time) (string, time.Time) {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return "1.2.20", time.Time{}
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return "1.2.20", time.Time{}
	}
	var header map[string]any
	if err := json.Unmarshal(hb, &header); err != nil {
		return "1.2.20", time.Time{}
	}
	if alg, _ := header["alg"].(string); alg != "RS256" {
		return "1.2.5", time.Time{}
	}
	if s.cfg.PublicKey == nil {
		return "1.2.6", time.Time{}
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(s.cfg.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return "1.2.21", time.Time{}
	}
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return "1.2.20", time.Time{}
	}
	if _, ok := claims["sub"]; ok {
		return "1.2.19", time.Time{}
	}
	for k := range claims {
		if !allowedClaims[k] {
			return "1.2.22", time.Time{}
		}
	}
	scope, ok := claims["scope"]
	if !ok {
		return "1.1.1", time.Time{}
	}
	if sc, _ := scope.(string); sc != "*" {
		return "1.2.5", time.Time{}
	}
	iss, _ := claims["iss"].(string)
	if want := s.cfg.ServiceAccount + "@" + s.cfg.TenantID + ".iam.acesso.io"; iss != want {
		if at := strings.LastIndex(iss, "@"); at >= 0 && strings.HasSuffix(iss, ".iam.acesso.io") {
			tenant := strings.TrimSuffix(iss[at+1:], ".iam.acesso.io")
			if tenant != s.cfg.TenantID {
				return "1.0.1", time.Time{}
			}
		}
		return "1.2.5", time.Time{}
	}
	if aud, _ := claims["aud"].(string); aud != s.cfg.Audience {
		return "1.2.5", time.Time{}
	}
	iat, ok1 := intClaim(claims["iat"])
	exp, ok2 := intClaim(claims["exp"])
	if !ok1 || !ok2 {
		return "1.2.5", time.Time{}
	}
	expT := time.Unix(exp, 0)
	if !now.Before(expT) {
		return "1.2.4", expT
	}
	if iat > now.Unix()+60 || exp <= iat || exp-iat > 3600 {
		return "1.2.5", expT
	}
	return "", expT
}

// intClaim accepts only integral JSON numbers (seconds); strings, fractions and exponents fail.
func intClaim(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(n.String(), ".eE") {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}
