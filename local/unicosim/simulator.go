package unicosim

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// WebhookAuth is how the simulator authenticates to the webhook receiver. Basic auth is used if
// Username is set; otherwise, if Header is set, the header Header: Value is sent; otherwise, if only
// Value is set, it is sent as "Authorization: Value" (Unico's API-key rule for a key with no colon).
type WebhookAuth struct {
	Username, Password string
	Header, Value      string
}

// Config configures a Simulator. Only PublicKey, ServiceAccount, TenantID and Audience are needed
// for the token endpoint; everything else has a default.
type Config struct {
	PublicKey      *rsa.PublicKey // verifies token assertions (RS256)
	ServiceAccount string         // iss must be ServiceAccount+"@"+TenantID+".iam.acesso.io"
	TenantID       string
	Audience       string        // aud must equal this exactly (no trailing slash)
	TokenLifetime  time.Duration // expires_in of issued tokens; default 3600s

	// APIKeys maps a by-Client APIKEY value to its capability set, a list separated by commas,
	// plus signs, bars or spaces: "liveness", "identity", "riskScore", "oneToOne", "documents"
	// (and "serpro", which adds government.serpro). Names are case-insensitive.
	APIKeys map[string]string

	WebhookURL  string // where finished by-Unico processes are announced ("" = none)
	WebhookAuth WebhookAuth

	// JourneyBaseURL prefixes userRedirectUrl ("<base>/<processId>"), e.g.
	// "http://127.0.0.1:8090/journey"; default "https://cadastro.uat.unico.app/process".
	JourneyBaseURL string

	// SignedDocumentBase64 makes GetDocumentSigned (and GetEvidenceSign) answer base64 text
	// instead of a binary PDF (the docs disagree on which one Unico does).
	SignedDocumentBase64 bool

	Now func() time.Time // default time.Now

	// LockoutThreshold is the number of consecutive failed assertions after which the token
	// endpoint answers 1.2.18 for LockoutCooldown. 0 means 5; a negative value disables the lock.
	LockoutThreshold int
	LockoutCooldown  time.Duration // default 1 minute

	// WebhookBackoff is the pause before each retry of a webhook delivery; its length is the number
	// of retries. nil means 50ms, 200ms, 1s (so at most 4 attempts).
	WebhookBackoff []time.Duration
	// WebhookTimeout bounds one delivery attempt; default 10s.
	WebhookTimeout time.Duration

	// DocumentProcessingDelay is how long a by-Client document process stays in status 1 before
	// GET /processes/v1/{id} reports it complete. Default 0: the first GET already sees status 3.
	DocumentProcessingDelay time.Duration

	// RateLimit is Unico's request budget: at most this many API calls (every route but the
	// /__sim/ control API, token mints included) in any sliding second; the calls beyond it
	// answer 429 with Retry-After: 1 and are counted (Stats.RateLimited). 0: no limit.
	// Reference §6.1: "10 RPS per tenant" by default, 429 beyond it. GUESS: the window (Unico
	// does not say whether it is a sliding second, a token bucket or a fixed second), the
	// Retry-After (not in the primary excerpt), the body (the grpc-gateway envelope, code 8
	// RESOURCE_EXHAUSTED) and whether the token host shares the budget.
	RateLimit int
}

// Fault makes matching requests misbehave. Faults are checked in the order they were injected; the
// first match applies. They apply before any other handling (token check included), never to the
// /__sim/ control API.
type Fault struct {
	Method, PathPrefix string        // which requests ("" method = any; "" prefix = every path)
	Status             int           // HTTP status to answer (0 = pass through but still apply Delay)
	Body               string        // raw body (e.g. broken JSON, or an auth error body)
	RetryAfter         string        // Retry-After header if set
	Delay              time.Duration // slow answer (cut short if the request's context ends)
	Times              int           // how many requests it hits; 0 = until cleared
}

// Stats counts what the simulator saw.
type Stats struct {
	TokenMints        int            // tokens issued
	TokenRejects      int            // 401 answers of the token endpoint
	Calls             map[string]int // "METHOD /path-template" -> count, Unico API paths only (faulted calls included)
	WebhooksDelivered int            // deliveries that got a 2xx (after retries)
	WebhooksFailed    int            // deliveries that gave up
	RateLimited       int            // calls answered 429 by the rate limit (Config.RateLimit)
	MaxCallsPerSecond int            // the most API calls seen in any sliding second (accepted or not)
}

// Errors returned by Finish, Expire and DeliverWebhook.
var (
	ErrUnknownProcess  = errors.New("unicosim: unknown process")
	ErrNotFinishable   = errors.New("unicosim: process is not in a state that can finish")
	ErrUnknownScenario = errors.New("unicosim: unknown scenario")
	ErrNotFinished     = errors.New("unicosim: process has not finished")
	ErrNoWebhookURL    = errors.New("unicosim: no WebhookURL configured")
)

// Simulator is an in-process Unico IDCloud. It is safe for concurrent use.
type Simulator struct {
	cfg        Config
	handler    http.Handler
	mux        *http.ServeMux
	secret     []byte // HMAC key for selfie JWTs and signed file URLs
	httpClient *http.Client
	caps       map[string]capSet

	mu          sync.Mutex
	recent      []recentCall         // API calls of the last second (RateLimit)
	tokens      map[string]time.Time // access token -> expiry
	used        map[string]time.Time // sha256(assertion) -> its exp
	failStreak  int
	lockedUntil time.Time
	processes   map[string]*process // by Unico
	raw         map[string][]byte   // SetRawProcess
	clientProcs map[string]*clientProcess
	rawClient   map[string]rawClientAnswer // SetRawClientProcess
	selfies     map[string]*selfieRec      // jti -> record
	signDocs    map[string]string          // sign documentId -> process id
	reusable    map[string][]reusableDoc
	faults      []*faultEntry
	stats       Stats
	mints       int // for pruning the token maps now and then
}

type faultEntry struct {
	f    Fault
	left int // remaining hits when f.Times > 0
}

// New returns a Simulator for cfg.
func New(cfg Config) *Simulator {
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = 3600 * time.Second
	}
	if cfg.JourneyBaseURL == "" {
		cfg.JourneyBaseURL = "https://cadastro.uat.unico.app/process"
	}
	cfg.JourneyBaseURL = strings.TrimRight(cfg.JourneyBaseURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LockoutThreshold == 0 {
		cfg.LockoutThreshold = 5
	}
	if cfg.LockoutCooldown <= 0 {
		cfg.LockoutCooldown = time.Minute
	}
	if cfg.WebhookBackoff == nil {
		cfg.WebhookBackoff = []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, time.Second}
	}
	if cfg.WebhookTimeout <= 0 {
		cfg.WebhookTimeout = 10 * time.Second
	}
	s := &Simulator{
		cfg:         cfg,
		secret:      randomBytes(32),
		httpClient:  &http.Client{Timeout: cfg.WebhookTimeout},
		caps:        map[string]capSet{},
		tokens:      map[string]time.Time{},
		used:        map[string]time.Time{},
		processes:   map[string]*process{},
		raw:         map[string][]byte{},
		clientProcs: map[string]*clientProcess{},
		rawClient:   map[string]rawClientAnswer{},
		selfies:     map[string]*selfieRec{},
		signDocs:    map[string]string{},
		reusable:    map[string][]reusableDoc{},
		stats:       Stats{Calls: map[string]int{}},
	}
	for k, v := range cfg.APIKeys {
		s.caps[k] = parseCaps(v)
	}
	s.mux = http.NewServeMux()
	s.routes()
	s.handler = s.mux
	return s
}

// Handler serves every Unico host's paths (token, by Unico, by Client, sign), the hosted-journey
// stand-in under /journey/ and the control API under /__sim/.
func (s *Simulator) Handler() http.Handler { return s.handler }

func (s *Simulator) now() time.Time { return s.cfg.Now() }

type authKind int

const (
	authNone   authKind = iota
	authUnico           // Bearer; by-Unico 401 body
	authClient          // Bearer + APIKEY; by-Client error envelope
	authSign            // Bearer; sign-host 401 body
)

func (s *Simulator) routes() {
	api := func(pattern, key string, kind authKind, h http.HandlerFunc) {
		s.mux.HandleFunc(pattern, s.apiWrap(key, kind, h))
	}
	api("POST /oauth2/token", "POST /oauth2/token", authNone, s.handleToken)

	api("POST /client/v1/process", "POST /client/v1/process", authUnico, s.handleCreateProcess)
	api("POST /client/v1/process/{$}", "POST /client/v1/process", authUnico, s.handleCreateProcess)
	api("GET /client/v1/process/{id}", "GET /client/v1/process/{id}", authUnico, s.handleGetProcess)
	api("GET /client/v1/process/{id}/selfie", "GET /client/v1/process/{id}/selfie", authUnico, s.handleSelfie)
	api("GET /client/v1/process/{id}/evidenceset", "GET /client/v1/process/{id}/evidenceset", authUnico, s.handleEvidenceSet)
	api("POST /client/v1/process/{id}/document", "POST /client/v1/process/{id}/document", authUnico, s.handleSetDocument)

	api("GET /api/v1/service/file/{documentId}", "GET /api/v1/service/file/{documentId}", authSign, s.handleSignedFile)
	api("GET /api/v1/service/evidence/{documentId}", "GET /api/v1/service/evidence/{documentId}", authSign, s.handleSignEvidence)

	api("POST /processes/v1", "POST /processes/v1", authClient, s.handleClientCreate)
	api("POST /processes/v1/{$}", "POST /processes/v1", authClient, s.handleClientCreate)
	api("GET /processes/v1/{id}", "GET /processes/v1/{id}", authClient, s.handleClientGetV1)
	api("GET /processes/v2/{id}", "GET /processes/v2/{id}", authClient, s.handleClientGetV2)
	api("GET /documents/v1", "GET /documents/v1", authClient, s.handleReusableDocuments)

	s.controlRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unicosim: no such endpoint: " + r.Method + " " + r.URL.Path})
	})
}

// apiWrap counts the call, applies faults, then checks authentication.
func (s *Simulator) apiWrap(key string, kind authKind, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Calls[key]++
		limited := s.overRateLimit()
		s.mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "1")
			writeJSONStatus(w, http.StatusTooManyRequests, `{"code":8,"message":"rate limit exceeded","details":[]}`)
			return
		}
		if s.applyFault(w, r) {
			return
		}
		if kind != authNone && !s.checkBearer(w, r, kind) {
			return
		}
		h(w, r)
	}
}

// applyFault reports whether a fault answered the request.
func (s *Simulator) applyFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	var f *Fault
	for i, e := range s.faults {
		if e.f.Method != "" && !strings.EqualFold(e.f.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, e.f.PathPrefix) {
			continue
		}
		c := e.f
		f = &c
		if e.f.Times > 0 {
			e.left--
			if e.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		break
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true // the client is gone; nothing to answer
		}
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body := strings.TrimSpace(f.Body)
	switch {
	case body == "":
	case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
		w.Header().Set("Content-Type", "application/json")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
	return true
}

// InjectFault adds a fault (see Fault).
func (s *Simulator) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultEntry{f: f, left: f.Times})
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Stats returns a snapshot of the counters.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = make(map[string]int, len(s.stats.Calls))
	for k, v := range s.stats.Calls {
		st.Calls[k] = v
	}
	return st
}

// checkBearer validates "Authorization: Bearer <token>" and answers 401 if it is not a live token.
func (s *Simulator) checkBearer(w http.ResponseWriter, r *http.Request, kind authKind) bool {
	h := r.Header.Get("Authorization")
	reason := ""
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		if h == "" {
			reason = "missing"
		} else {
			reason = "invalid"
		}
	} else {
		s.mu.Lock()
		exp, known := s.tokens[strings.TrimSpace(tok)]
		now := s.now()
		s.mu.Unlock()
		switch {
		case !known:
			reason = "invalid"
		case !now.Before(exp):
			reason = "expired"
		}
	}
	if reason == "" {
		return true
	}
	switch kind {
	case authClient:
		// GUESS: the legacy table gives 20001 (400) and 10501/10502 (403); developer.unico.io and
		// the project brief say 401. The simulator answers 401 with the legacy codes.
		code, desc := "10501", "The access token is invalid."
		if reason == "missing" {
			code, desc = "20001", "The access token was not informed."
		} else if reason == "expired" {
			code, desc = "10502", "The access token has expired."
		}
		writeClientError(w, http.StatusUnauthorized, code, desc)
	case authSign:
		writeJSON(w, http.StatusUnauthorized, signError{Sucess: false, Message: "Unauthorized"})
	default:
		// The reference documents the 401 schema as a plain string.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Unauthorized"))
	}
	return false
}

// ---- small helpers ----

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func randomToken(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

func newUUID() string {
	b := randomBytes(16)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return formatUUID(b)
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// isUUID accepts the canonical 8-4-4-4-12 hex form (any case).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ts formats times the way the seeds do: 2023-10-05T18:28:58.537985Z.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// baseURL is the simulator's own origin as the caller reached it (for URLs it hands out).
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func contextOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// overRateLimit records one API call in the sliding second and reports whether it is beyond
// Config.RateLimit (callers hold s.mu): the limit counts the calls it accepted (GUESS: whether
// Unico counts its own 429s too is not documented).
func (s *Simulator) overRateLimit() bool {
	now := s.now()
	cut := 0
	for cut < len(s.recent) && !s.recent[cut].at.After(now.Add(-time.Second)) {
		cut++
	}
	s.recent = s.recent[cut:]
	accepted := 0
	for _, c := range s.recent {
		if c.accepted {
			accepted++
		}
	}
	limited := s.cfg.RateLimit > 0 && accepted >= s.cfg.RateLimit
	s.recent = append(s.recent, recentCall{at: now, accepted: !limited})
	s.stats.MaxCallsPerSecond = max(s.stats.MaxCallsPerSecond, len(s.recent))
	if limited {
		s.stats.RateLimited++
	}
	return limited
}

type recentCall struct {
	at       time.Time
	accepted bool
}

func writeJSONStatus(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
