package unicoclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// Client calls Unico's APIs. It is safe for concurrent use.
type Client struct {
	cfg    Config
	creds  CredentialsFunc
	tokens *TokenSource
}

// New returns a Client (and its TokenSource) for cfg.
func New(cfg Config, creds CredentialsFunc) (*Client, error) {
	ts, err := NewTokenSource(cfg, creds)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: ts.cfg, creds: creds, tokens: ts}, nil
}

// Tokens returns the client's TokenSource (for Stats, or to share it).
func (c *Client) Tokens() *TokenSource { return c.tokens }

// Artefact is a downloaded file: the decoded bytes and their content type (String hides the
// bytes). It is unico.Artefact so that the domain's ports can name it without this package.
type Artefact = unico.Artefact

// ---- by Unico ----

// CreateProcess creates a by-Unico process (POST /client/v1/process). It is never retried, except
// once after a 401 (which means Unico did not process it); a timeout yields ErrOutcomeUnknown.
func (c *Client) CreateProcess(ctx context.Context, req unico.CreateProcessRequest) (unico.Process, error) {
	const op = "CreateProcess"
	body, err := json.Marshal(req)
	if err != nil {
		return unico.Process{}, opErr(op, errors.New("encoding request"))
	}
	u, err := c.endpoint(c.cfg.ByUnicoURL, "ByUnicoURL", "/client/v1/process", nil)
	if err != nil {
		return unico.Process{}, opErr(op, err)
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, url: u, body: body, timeout: c.cfg.Timeout})
	if err != nil {
		return unico.Process{}, err
	}
	return c.processResponse(ctx, op, resp, true)
}

// GetProcess fetches a by-Unico process (GET /client/v1/process/{id}).
func (c *Client) GetProcess(ctx context.Context, id string) (unico.Process, error) {
	const op = "GetProcess"
	u, err := c.byUnicoProcessURL(id, "")
	if err != nil {
		return unico.Process{}, opErr(op, err)
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodGet, url: u, idempotent: true, timeout: c.cfg.Timeout})
	if err != nil {
		return unico.Process{}, err
	}
	return c.processResponse(ctx, op, resp, false)
}

// SetProcessDocument sets the person document of a custom-flow process created without one
// (POST /client/v1/process/{id}/document). Never retried except once after a 401.
func (c *Client) SetProcessDocument(ctx context.Context, id string, duiType unico.DUIType, duiValue string) (unico.Process, error) {
	const op = "SetProcessDocument"
	u, err := c.byUnicoProcessURL(id, "/document")
	if err != nil {
		return unico.Process{}, opErr(op, err)
	}
	if duiType == "" || strings.TrimSpace(duiValue) == "" {
		return unico.Process{}, opErr(op, &joinErr{[]error{ErrInvalidArgument, errors.New("duiType and duiValue are required")}})
	}
	body, _ := json.Marshal(unico.SetDocumentRequest{DUIType: duiType, DUIValue: duiValue})
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, url: u, body: body, timeout: c.cfg.Timeout})
	if err != nil {
		return unico.Process{}, err
	}
	return c.processResponse(ctx, op, resp, true)
}

// GetSelfie downloads the selfie (GET /client/v1/process/{id}/selfie, ?raw=true for the copy
// without watermark when the account may have it). Available 8 h after completion.
func (c *Client) GetSelfie(ctx context.Context, id string, raw bool) (Artefact, error) {
	const op = "GetSelfie"
	u, err := c.byUnicoProcessURL(id, "/selfie")
	if err != nil {
		return Artefact{}, opErr(op, err)
	}
	if raw {
		u += "?raw=true"
	}
	return c.fileContents(ctx, op, u)
}

// GetEvidenceSet downloads the evidence PDF (GET /client/v1/process/{id}/evidenceset).
// Available 2 h after completion.
func (c *Client) GetEvidenceSet(ctx context.Context, id string) (Artefact, error) {
	const op = "GetEvidenceSet"
	u, err := c.byUnicoProcessURL(id, "/evidenceset")
	if err != nil {
		return Artefact{}, opErr(op, err)
	}
	return c.fileContents(ctx, op, u)
}

func (c *Client) fileContents(ctx context.Context, op, u string) (Artefact, error) {
	resp, err := c.do(ctx, call{op: op, method: http.MethodGet, url: u, idempotent: true, timeout: c.cfg.Timeout})
	if err != nil {
		return Artefact{}, err
	}
	if !resp.ok() {
		return Artefact{}, c.apiError(op, resp, false)
	}
	a, err := decodeFileContents(resp.body, "")
	if err != nil {
		return Artefact{}, opErr(op, err)
	}
	return a, nil
}

// ---- sign host ----

// GetSignedDocument downloads a signed document (GET {SignURL}/api/v1/service/file/{documentId};
// ids from Process.SignedDocumentIDs). Unico documents both a binary PDF and a base64 string:
// both are accepted, as are a JSON string and {"fileContents": ...}.
func (c *Client) GetSignedDocument(ctx context.Context, documentID string) (Artefact, error) {
	const op = "GetSignedDocument"
	if !validID(documentID) {
		return Artefact{}, opErr(op, &joinErr{[]error{ErrInvalidArgument, errors.New("document id")}})
	}
	u, err := c.endpoint(c.cfg.SignURL, "SignURL", "/api/v1/service/file/"+url.PathEscape(documentID), nil)
	if err != nil {
		return Artefact{}, opErr(op, err)
	}
	return c.signFile(ctx, op, u)
}

// GetSignatureEvidence downloads the signature evidence of a document
// ({SignURL}{SignEvidencePath}; the path is unconfirmed, see DefaultSignEvidencePath).
func (c *Client) GetSignatureEvidence(ctx context.Context, documentID string) (Artefact, error) {
	const op = "GetSignatureEvidence"
	if !validID(documentID) {
		return Artefact{}, opErr(op, &joinErr{[]error{ErrInvalidArgument, errors.New("document id")}})
	}
	p := strings.ReplaceAll(c.cfg.SignEvidencePath, "{documentId}", url.PathEscape(documentID))
	u, err := c.endpoint(c.cfg.SignURL, "SignURL", p, nil)
	if err != nil {
		return Artefact{}, opErr(op, err)
	}
	return c.signFile(ctx, op, u)
}

func (c *Client) signFile(ctx context.Context, op, u string) (Artefact, error) {
	resp, err := c.do(ctx, call{op: op, method: http.MethodGet, url: u, idempotent: true, timeout: c.cfg.Timeout, accept: "*/*"})
	if err != nil {
		return Artefact{}, err
	}
	if !resp.ok() {
		return Artefact{}, c.apiError(op, resp, false)
	}
	a, err := sniffDocument(resp.body, resp.header.Get("Content-Type"))
	if err != nil {
		return Artefact{}, opErr(op, err)
	}
	return a, nil
}

// ---- by Client ----

// CreateClientProcess creates a by-Client process (POST /processes/v1) with the APIKEY of
// capability (unico.Capability*). The answer is synchronous and final; a status 5 result is
// returned as a result, not an error. Never retried except once after a 401; a timeout yields
// ErrOutcomeUnknown (the selfie JWT is single-use anyway: a genuine retry needs a new capture).
func (c *Client) CreateClientProcess(ctx context.Context, capability string, req unico.ClientProcessRequest) (unico.ClientProcess, error) {
	const op = "CreateClientProcess"
	key, err := c.apiKey(ctx, capability)
	if err != nil {
		return unico.ClientProcess{}, opErr(op, err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return unico.ClientProcess{}, opErr(op, errors.New("encoding request"))
	}
	u, err := c.endpoint(c.cfg.ByClientURL, "ByClientURL", "/processes/v1", nil)
	if err != nil {
		return unico.ClientProcess{}, opErr(op, err)
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, url: u, body: body, apiKey: key, timeout: c.cfg.ByClientCreateTimeout})
	if err != nil {
		return unico.ClientProcess{}, err
	}
	if !resp.ok() {
		return unico.ClientProcess{}, c.apiError(op, resp, true)
	}
	return c.decodeClientProcess(ctx, op, resp.body)
}

// GetClientProcess re-reads a by-Client process (GET /processes/v1/{id}, or /processes/v2/{id}
// which adds processAdditionalInfo, personal data included). Unico answers 410 Gone for a
// process in status 5: that is returned as the decoded result with no error.
func (c *Client) GetClientProcess(ctx context.Context, capability, id string, v2 bool) (unico.ClientProcess, error) {
	const op = "GetClientProcess"
	if !validID(id) {
		return unico.ClientProcess{}, opErr(op, &joinErr{[]error{ErrInvalidArgument, errors.New("process id")}})
	}
	key, err := c.apiKey(ctx, capability)
	if err != nil {
		return unico.ClientProcess{}, opErr(op, err)
	}
	version := "/processes/v1/"
	if v2 {
		version = "/processes/v2/"
	}
	u, err := c.endpoint(c.cfg.ByClientURL, "ByClientURL", version+url.PathEscape(id), nil)
	if err != nil {
		return unico.ClientProcess{}, opErr(op, err)
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodGet, url: u, apiKey: key, idempotent: true, timeout: c.cfg.Timeout})
	if err != nil {
		return unico.ClientProcess{}, err
	}
	if resp.status == http.StatusGone {
		var p unico.ClientProcess
		if unico.Decode(resp.body, &p) == nil && p.Status == unico.ClientStatusError {
			c.logUnknownClient(ctx, op, p)
			return p, nil
		}
	}
	if !resp.ok() {
		return unico.ClientProcess{}, c.apiError(op, resp, false)
	}
	return c.decodeClientProcess(ctx, op, resp.body)
}

// ListReusableDocuments looks for documents of the person that can be reused
// (GET /documents/v1?code={cpf}&type={docType}; docType one of unico.ReusableQueryTypes).
// Items without a documentId are dropped, so Empty() means none.
func (c *Client) ListReusableDocuments(ctx context.Context, capability, cpf, docType string) (unico.ReusableDocuments, error) {
	const op = "ListReusableDocuments"
	if strings.TrimSpace(cpf) == "" || strings.TrimSpace(docType) == "" {
		return unico.ReusableDocuments{}, opErr(op, &joinErr{[]error{ErrInvalidArgument, errors.New("code and type are required")}})
	}
	key, err := c.apiKey(ctx, capability)
	if err != nil {
		return unico.ReusableDocuments{}, opErr(op, err)
	}
	u, err := c.endpoint(c.cfg.ByClientURL, "ByClientURL", "/documents/v1", url.Values{"code": {cpf}, "type": {docType}})
	if err != nil {
		return unico.ReusableDocuments{}, opErr(op, err)
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodGet, url: u, apiKey: key, idempotent: true, timeout: c.cfg.Timeout})
	if err != nil {
		return unico.ReusableDocuments{}, err
	}
	if !resp.ok() {
		return unico.ReusableDocuments{}, c.apiError(op, resp, false)
	}
	var docs unico.ReusableDocuments
	if err := unico.Decode(resp.body, &docs); err != nil {
		return unico.ReusableDocuments{}, opErr(op, &joinErr{[]error{errors.New("decoding response"), err}})
	}
	return docs, nil
}

// ---- plumbing ----

func (c *Client) apiKey(ctx context.Context, capability string) (string, error) {
	creds, err := c.creds(ctx)
	if err != nil {
		return "", &joinErr{[]error{errors.New("loading credentials"), err}}
	}
	key, ok := creds.APIKey(capability)
	if !ok {
		return "", &joinErr{[]error{ErrMissingAPIKey, errors.New(safeName(capability))}}
	}
	return key, nil
}

// safeName quotes a capability name for an error, restricted to identifier characters.
func safeName(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s) && i < 32; i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '_' || ch == '-' {
			b.WriteByte(ch)
		} else {
			b.WriteByte('?')
		}
	}
	b.WriteByte('"')
	return b.String()
}

// validID accepts the ids Unico issues (UUIDs and similar): letters, digits, '-' and '_'.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_') {
			return false
		}
	}
	return true
}

// logID returns id when it looks like an id, else a placeholder (ids come from responses).
func logID(id string) string {
	if validID(id) {
		return id
	}
	return "invalid"
}

func (c *Client) byUnicoProcessURL(id, suffix string) (string, error) {
	if !validID(id) {
		return "", &joinErr{[]error{ErrInvalidArgument, errors.New("process id")}}
	}
	return c.endpoint(c.cfg.ByUnicoURL, "ByUnicoURL", "/client/v1/process/"+url.PathEscape(id)+suffix, nil)
}

func (c *Client) endpoint(base, name, path string, q url.Values) (string, error) {
	if base == "" {
		return "", &joinErr{[]error{ErrNotConfigured, errors.New(name)}}
	}
	u := base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u, nil
}

type call struct {
	op         string
	method     string
	url        string // may hold personal data in its query: never logged or put in an error
	body       []byte
	apiKey     string
	idempotent bool // GET: retried on transport errors and 5xx
	timeout    time.Duration
	accept     string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) ok() bool { return r.status >= 200 && r.status <= 299 }

// do runs a call within its timeout: token, request, the 401 rule (invalidate, mint, retry once;
// safe for POST because a 401 means Unico did not process it) and, for idempotent calls only, up
// to two retries on transport errors and 5xx with jittered back-off. Any HTTP answer is returned
// as a response; only failures without one are errors.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	log := c.cfg.Logger
	authRetried := false
	retries, maxRetries := 0, maxGetRetries
	if singleAttempt(ctx) {
		// The caller has its own retry policy (the worker): one attempt here, so that
		// retries never nest.
		authRetried, maxRetries = true, 0
	}
	for {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, opErr(cl.op, err)
		}
		start := time.Now()
		resp, sent, err := c.send(ctx, cl, tok)
		if refusal := budgetRefusal(err); refusal != nil {
			// The fleet's budget had no permit in time: nothing was sent, so the outcome is
			// known (nothing happened) and a retry here would only spend the budget again.
			log.InfoContext(ctx, "unico call refused by the budget", "op", cl.op)
			return nil, opErr(cl.op, refusal)
		}
		if err != nil {
			c.observe(ctx, cl.op, 0, start)
			if cl.idempotent && retries < maxRetries && c.backoff(ctx, retries, 0) {
				retries++
				log.WarnContext(ctx, "unico call retry", "op", cl.op, "reason", "transport", "attempt", retries+1)
				continue
			}
			cause := err
			if !cl.idempotent && sent {
				cause = &joinErr{[]error{ErrOutcomeUnknown, err}}
			}
			log.WarnContext(ctx, "unico call failed", "op", cl.op, "reason", "transport", "outcomeUnknown", !cl.idempotent && sent, "durationMs", time.Since(start).Milliseconds())
			return nil, opErr(cl.op, cause)
		}
		c.observe(ctx, cl.op, resp.status, start)
		log.DebugContext(ctx, "unico call", "op", cl.op, "status", resp.status, "durationMs", time.Since(start).Milliseconds())
		switch {
		case resp.status == http.StatusUnauthorized && !authRetried:
			authRetried = true
			c.tokens.Invalidate(tok)
			log.InfoContext(ctx, "unico call: 401, refreshing token and retrying once", "op", cl.op)
			continue
		case resp.status == http.StatusUnauthorized && maxRetries == 0:
			c.tokens.Invalidate(tok) // the next attempt (the caller's) mints a fresh one
		case resp.status >= 500 && cl.idempotent && retries < maxRetries:
			ra := unico.ParseRetryAfter(resp.header.Get("Retry-After"), c.cfg.Now())
			if c.backoff(ctx, retries, ra) {
				retries++
				log.WarnContext(ctx, "unico call retry", "op", cl.op, "status", resp.status, "attempt", retries+1)
				continue
			}
		}
		return resp, nil
	}
}

// send performs one HTTP exchange. sent reports whether the request may have reached the server
// (false for failures to connect).
func (c *Client) send(ctx context.Context, cl call, tok string) (_ *response, sent bool, _ error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url, body)
	if err != nil {
		return nil, false, errors.New("building request")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	accept := cl.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if cl.apiKey != "" {
		req.Header.Set("APIKEY", cl.apiKey)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		// A budget refusal (transportCause keeps it as it is) was never sent.
		cause := transportCause(err)
		return nil, !isDialError(err) && budgetRefusal(cause) == nil, cause
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, true, transportCause(err)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, true, errors.New("response body too large")
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, true, nil
}

func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// backoff sleeps before retry number attempt+1: base·2^attempt, jittered to [50%, 150%), at least
// retryAfter, and only when the call's deadline leaves room for the wait plus one more attempt.
func (c *Client) backoff(ctx context.Context, attempt int, retryAfter time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	d := c.cfg.RetryBaseDelay << attempt
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	if retryAfter > d {
		d = retryAfter
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+c.cfg.RetryBaseDelay {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// apiError turns a non-2xx answer into *unico.APIError. For a mutating call (POST), a 502 or 504
// from a proxy in front of Unico also matches ErrOutcomeUnknown: the request may have been
// processed behind it.
func (c *Client) apiError(op string, resp *response, mutating bool) error {
	ae := unico.ParseError(resp.status, resp.body, "")
	ae.RetryAfter = unico.ParseRetryAfter(resp.header.Get("Retry-After"), c.cfg.Now())
	if mutating && (resp.status == http.StatusBadGateway || resp.status == http.StatusGatewayTimeout) {
		return opErr(op, &joinErr{[]error{ErrOutcomeUnknown, ae}})
	}
	return opErr(op, ae)
}

func (c *Client) processResponse(ctx context.Context, op string, resp *response, mutating bool) (unico.Process, error) {
	if !resp.ok() {
		return unico.Process{}, c.apiError(op, resp, mutating)
	}
	var env unico.ProcessEnvelope
	if err := unico.Decode(resp.body, &env); err != nil {
		return unico.Process{}, opErr(op, &joinErr{[]error{errors.New("decoding response"), err}})
	}
	p := env.Process
	if p.ID == "" {
		// Tolerate a process sent without the {"process": …} envelope.
		var bare unico.Process
		if unico.Decode(resp.body, &bare) == nil && bare.ID != "" {
			p = bare
		}
	}
	if p.ID == "" {
		return unico.Process{}, opErr(op, errors.New("response without process id"))
	}
	if unknown := unico.UnknownEnums(p); len(unknown) > 0 {
		c.cfg.Logger.WarnContext(ctx, "unico: unknown enum values", "op", op, "processId", logID(p.ID), "unknown", unknown)
	}
	return p, nil
}

func (c *Client) decodeClientProcess(ctx context.Context, op string, body []byte) (unico.ClientProcess, error) {
	var p unico.ClientProcess
	if err := unico.Decode(body, &p); err != nil {
		return unico.ClientProcess{}, opErr(op, &joinErr{[]error{errors.New("decoding response"), err}})
	}
	c.logUnknownClient(ctx, op, p)
	return p, nil
}

func (c *Client) logUnknownClient(ctx context.Context, op string, p unico.ClientProcess) {
	if unknown := unico.UnknownClientEnums(p); len(unknown) > 0 {
		c.cfg.Logger.WarnContext(ctx, "unico: unknown enum values", "op", op, "processId", logID(p.ID), "unknown", unknown)
	}
}
