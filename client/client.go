// Package client is a small Go client for app backends that call the gateway.
//
//	c := client.New("https://abc123.execute-api.sa-east-1.amazonaws.com/api", os.Getenv("GATEWAY_API_KEY"))
//	res, err := c.CreateProcess(ctx, client.CreateRequest{Integration: client.ByUnico, Flow: "id",
//		Purpose: "creditprocess", Person: &client.Person{CPF: cpf, Name: name}})
//	// send the person to res.RedirectURL; later (or when our webhook arrives):
//	p, err := c.GetProcess(ctx, res.Process.ID)
//	if p.Decision.Outcome == client.Approved { ... }
//
// Creates carry an Idempotency-Key that the client generates once and reuses across its own
// retries, so a retried create never makes a second (billed) process at Unico. Retries back off
// on 409 (the first attempt is still running), 429, 502, 503 and 504, honouring Retry-After.
// Every route of the API has a method (routes.go: documents, a custom flow's document,
// redaction, the replay of an event, artefacts); errors are *Error with the gateway's stable
// code (docs/errors.md). VerifyWebhook checks the events the gateway POSTs to your backend;
// examples/appbackend puts it all together.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/domain"
)

// The request and result types are the gateway's own, so they cannot drift from the API.
type (
	CreateRequest = domain.CreateRequest
	Person        = domain.PersonInput
	SignDocument  = domain.SignDocument
	CreateResult  = domain.CreateResult
	Process       = domain.ProcessView
	Decision      = domain.Decision
	ListResult    = domain.ListResult

	ReusableDocuments  = domain.ReusableDocuments
	SetDocumentRequest = domain.SetDocumentRequest
	ReplayResult       = domain.ReplayResult
	ReviewRequest      = domain.ReviewRequest
)

// Integrations and outcomes.
const (
	ByUnico  = domain.ByUnico
	ByClient = domain.ByClient

	Approved = domain.OutcomeApproved
	Rejected = domain.OutcomeRejected
	Retry    = domain.OutcomeRetry
	Pending  = domain.OutcomePending
	Review   = domain.OutcomeReview
)

// Client calls one gateway deployment with one tenant's API key.
type Client struct {
	base       string
	apiKey     string
	http       *http.Client
	maxRetries int
	maxWait    time.Duration
	sleep      func(context.Context, time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: 30 s timeout, above the gateway's 29 s).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetries sets how many times a request is retried (default 4) and the longest single
// wait between tries (default 20 s).
func WithRetries(n int, maxWait time.Duration) Option {
	return func(c *Client) { c.maxRetries, c.maxWait = n, maxWait }
}

// New returns a client for the gateway at baseURL (the stage URL, without /v1).
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), apiKey: apiKey, http: &http.Client{Timeout: 30 * time.Second},
		maxRetries: 4, maxWait: 20 * time.Second, sleep: sleepCtx}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is an error answer of the gateway (or of API Gateway in front of it).
type Error struct {
	Status     int
	Code       string // stable machine code, e.g. idempotency_key_reused, invalid_cpf
	Message    string
	RequestID  string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("gateway: %d %s: %s (request %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// CreateProcess creates a process with a new Idempotency-Key, retried safely.
func (c *Client) CreateProcess(ctx context.Context, req CreateRequest) (*CreateResult, error) {
	return c.CreateProcessWithKey(ctx, NewIdempotencyKey(), req)
}

// CreateProcessWithKey creates a process with the caller's Idempotency-Key: store the key with
// your own record before calling, and a crash-and-retry of your process replays the first
// answer instead of creating a second process.
func (c *Client) CreateProcessWithKey(ctx context.Context, key string, req CreateRequest) (*CreateResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var res CreateResult
	if err := c.do(ctx, http.MethodPost, "/v1/processes", nil, body, key, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// GetProcess reads a process: state, decision with reasons, results. The gateway answers from
// its store (Process.Source "store", CheckedAt when Unico was last read): a final process costs
// Unico nothing, so polling it is cheap. OCR content and document links are not in this answer:
// see GetProcessWithDocuments.
func (c *Client) GetProcess(ctx context.Context, id string) (*Process, error) {
	return c.getProcess(ctx, id, nil)
}

// GetProcessWithDocuments reads a process with include=documents: the gateway asks Unico for the
// documents' OCR content and fresh download links (by Client: clientResults.document's OCR and
// fileUrls), which it never stores. It spends Unico's request budget: call it when you need the
// content, not to poll. Once Unico no longer keeps them the error code is artefact_expired.
func (c *Client) GetProcessWithDocuments(ctx context.Context, id string) (*Process, error) {
	return c.getProcess(ctx, id, url.Values{"include": {"documents"}})
}

func (c *Client) getProcess(ctx context.Context, id string, q url.Values) (*Process, error) {
	var p Process
	if err := c.do(ctx, http.MethodGet, "/v1/processes/"+url.PathEscape(id), q, nil, "", &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ListQuery filters ListProcesses.
type ListQuery struct {
	ClientReference string
	State           string
	CreatedFrom     time.Time
	CreatedTo       time.Time
	Limit           int
	Cursor          string
	// Decision "review" lists the review queue (processes waiting for a person), oldest first.
	Decision string
	// Reviewed keeps only processes a person reviewed (true) or did not (false).
	Reviewed *bool
}

// ListProcesses reads one page of the tenant's processes, newest first; pass NextCursor back
// for the next page.
func (c *Client) ListProcesses(ctx context.Context, q ListQuery) (*ListResult, error) {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("clientReference", q.ClientReference)
	set("state", q.State)
	set("cursor", q.Cursor)
	set("decision", q.Decision)
	if q.Reviewed != nil {
		v.Set("reviewed", strconv.FormatBool(*q.Reviewed))
	}
	if !q.CreatedFrom.IsZero() {
		v.Set("createdFrom", q.CreatedFrom.UTC().Format(time.RFC3339))
	}
	if !q.CreatedTo.IsZero() {
		v.Set("createdTo", q.CreatedTo.UTC().Format(time.RFC3339))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var res ListResult
	if err := c.do(ctx, http.MethodGet, "/v1/processes", v, nil, "", &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// do sends one request, retrying 409/429/502/503/504 and network errors with back-off. A
// POST keeps its Idempotency-Key across tries, which is what makes retrying it safe.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, idemKey string, out any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return err
		}
		req.Header.Set("x-api-key", c.apiKey)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		res, err := c.http.Do(req)
		var apiErr *Error
		if err == nil {
			raw, rerr := io.ReadAll(io.LimitReader(res.Body, 64<<20))
			res.Body.Close()
			if rerr != nil {
				err = rerr
			} else if res.StatusCode < 300 {
				if a, ok := out.(*Artefact); ok { // a file: the bytes as they are
					a.ContentType, a.Data = res.Header.Get("Content-Type"), raw
					return nil
				}
				return json.Unmarshal(raw, out)
			} else {
				apiErr = decodeError(res, raw)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= c.maxRetries || !retryable(apiErr, err, method, idemKey) {
			if apiErr != nil {
				return apiErr
			}
			return err
		}
		if serr := c.sleep(ctx, c.backoff(attempt, apiErr)); serr != nil {
			return serr
		}
	}
}

// retryable: gateway answers that mean "later", and network errors for requests that are safe
// to repeat (reads, and creates because they carry an Idempotency-Key).
func retryable(apiErr *Error, netErr error, method, idemKey string) bool {
	if apiErr != nil {
		switch apiErr.Status {
		case http.StatusConflict:
			return apiErr.Code == "idempotency_request_in_progress"
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return netErr != nil && (method == http.MethodGet || idemKey != "")
}

func (c *Client) backoff(attempt int, e *Error) time.Duration {
	d := 200 * time.Millisecond << attempt
	if e != nil && e.RetryAfter > 0 {
		d = e.RetryAfter
	}
	var b [1]byte
	_, _ = rand.Read(b[:])
	d += time.Duration(b[0]) * time.Millisecond // jitter: many clients must not retry in step
	if d > c.maxWait {
		d = c.maxWait
	}
	return d
}

func decodeError(res *http.Response, raw []byte) *Error {
	e := &Error{Status: res.StatusCode, Code: "http_" + strconv.Itoa(res.StatusCode), Message: http.StatusText(res.StatusCode)}
	var body struct {
		Error struct {
			Code, Message, RequestID string
		} `json:"error"`
		Message string `json:"message"` // API Gateway's own answers
	}
	if json.Unmarshal(raw, &body) == nil {
		if body.Error.Code != "" {
			e.Code, e.Message, e.RequestID = body.Error.Code, body.Error.Message, body.Error.RequestID
		} else if body.Message != "" {
			e.Message = body.Message
		}
	}
	if e.RequestID == "" {
		e.RequestID = res.Header.Get("X-Request-Id")
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

// NewIdempotencyKey returns a random UUID v4.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsCode reports whether err is a gateway error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
