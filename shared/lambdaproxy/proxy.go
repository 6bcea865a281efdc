// Package lambdaproxy adapts API Gateway REST API Lambda-proxy events to net/http, so the
// functions' handlers are plain http.Handlers that run the same way in Lambda, in the local
// runner and in tests.
package lambdaproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Identity is what API Gateway tells the function about the caller.
type Identity struct {
	RequestID string // API Gateway's request id
	APIKeyID  string // id of the API key the caller used (empty for routes without a key)
	SourceIP  string
}

type identityKey struct{}

// IdentityFrom returns the identity API Gateway attached to the request.
func IdentityFrom(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}

// WithIdentity attaches an identity; the local runner and tests use it the way API Gateway would.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// Handler is the function signature lambda.Start receives.
type Handler func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// New wraps h as a Lambda-proxy handler. It never returns an error to the runtime: every
// failure is an HTTP answer, so API Gateway never turns it into an opaque 502.
func New(h http.Handler) Handler {
	return func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		req, err := Request(ctx, ev)
		if err != nil {
			return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    `{"error":{"code":"malformed_request","message":"The request could not be read."}}`}, nil
		}
		w := NewResponseWriter()
		h.ServeHTTP(w, req)
		return w.Response(), nil
	}
}

// Request builds the *http.Request that API Gateway's event describes.
func Request(ctx context.Context, ev events.APIGatewayProxyRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded && ev.Body != "" {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	u := url.URL{Path: ev.Path}
	q := url.Values{}
	for k, vs := range ev.MultiValueQueryStringParameters {
		q[k] = append(q[k], vs...)
	}
	if len(q) == 0 {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	ctx = WithIdentity(ctx, Identity{RequestID: ev.RequestContext.RequestID, APIKeyID: ev.RequestContext.Identity.APIKeyID,
		SourceIP: ev.RequestContext.Identity.SourceIP})
	req, err := http.NewRequestWithContext(ctx, ev.HTTPMethod, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range ev.MultiValueHeaders {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if len(ev.MultiValueHeaders) == 0 {
		for k, v := range ev.Headers {
			req.Header.Set(k, v)
		}
	}
	req.ContentLength = int64(len(body))
	req.RemoteAddr = ev.RequestContext.Identity.SourceIP
	return req, nil
}

// ResponseWriter records a handler's answer as a proxy response.
type ResponseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// NewResponseWriter returns an empty recorder.
func NewResponseWriter() *ResponseWriter { return &ResponseWriter{header: http.Header{}} }

func (w *ResponseWriter) Header() http.Header { return w.header }

func (w *ResponseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

// Response returns the proxy response; bodies that are not UTF-8 text (PDFs, images) are base64
// encoded so API Gateway passes them on as binary.
func (w *ResponseWriter) Response() events.APIGatewayProxyResponse {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	res := events.APIGatewayProxyResponse{StatusCode: w.status, MultiValueHeaders: map[string][]string{}}
	for k, vs := range w.header {
		res.MultiValueHeaders[k] = vs
	}
	b := w.body.Bytes()
	if isText(w.header.Get("Content-Type"), b) {
		res.Body = string(b)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(b)
		res.IsBase64Encoded = true
	}
	return res
}

func isText(contentType string, b []byte) bool {
	ct := strings.ToLower(contentType)
	if strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/problem+json") {
		return utf8.Valid(b)
	}
	return len(b) == 0
}
