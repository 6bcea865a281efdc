// Package apigw stands in for API Gateway's REST API on a developer machine: it checks the
// x-api-key header the way a usage plan does, builds the same Lambda-proxy event API Gateway
// would, and invokes the function that owns the route. The functions are the very handlers
// their main.go passes to lambda.Start.
package apigw

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
)

// Key is one API key: the value callers send and the id API Gateway reports to the function.
// Tenant names the key's usage plan (the tenant), which WithThrottle needs.
type Key struct {
	Value  string
	ID     string
	Tenant string
}

// Gateway routes requests to functions.
type Gateway struct {
	mux      *http.ServeMux
	throttle *throttler // nil: no throttling (WithThrottle)
	now      func() time.Time
}

// New builds the emulator for the route table; functions maps a function name to its handler.
func New(routes []httpapi.Route, functions map[string]lambdaproxy.Handler, keys []Key, opts ...Option) *Gateway {
	g := &Gateway{mux: http.NewServeMux(), now: time.Now}
	for _, o := range opts {
		o(g)
	}
	byValue := make(map[string]Key, len(keys))
	for _, k := range keys {
		byValue[k.Value] = k
	}
	if g.throttle != nil {
		g.throttle.checkKeys(keys)
	}
	for _, r := range routes {
		fn := functions[r.Function]
		if fn == nil {
			panic("apigw: no function " + r.Function)
		}
		g.mux.Handle(r.Method+" "+r.Path, g.invoke(r, fn, byValue))
	}
	g.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		// API Gateway's answer for an unknown route on a REST API (403 "Missing Authentication
		// Token", which the stack turns into 404 route_not_found).
		writeGatewayResponse(w, "MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden)
	})
	return g
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.mux.ServeHTTP(w, r) }

func (g *Gateway) invoke(route httpapi.Route, fn lambdaproxy.Handler, keys map[string]Key) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var key Key
		if route.APIKey {
			k, ok := keys[r.Header.Get("X-Api-Key")]
			if !ok {
				writeGatewayResponse(w, "INVALID_API_KEY", http.StatusForbidden)
				return
			}
			key = k
		}
		keyID := key.ID
		if g.throttle != nil && !g.throttle.allow(g.now(), route, key.Tenant) {
			writeGatewayResponse(w, "THROTTLED", http.StatusTooManyRequests)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20+1))
		if err != nil || len(body) > 10<<20 {
			writeGatewayResponse(w, "REQUEST_TOO_LARGE", http.StatusRequestEntityTooLarge)
			return
		}
		ev := Event(r, route, keyID, body)
		// API Gateway lets the integration run to its end when the client goes away (a caller
		// that times out does not cancel the Lambda), so the caller's disconnect is not passed on.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 29*time.Second)
		defer cancel()
		res, err := fn(ctx, ev)
		if err != nil {
			writeGatewayResponse(w, "DEFAULT_5XX", http.StatusBadGateway)
			return
		}
		WriteResponse(w, res)
	})
}

// Event builds the REST API Lambda-proxy event for r. With binary media types set to */* (as the
// stack does), API Gateway hands every non-empty body to the function base64-encoded.
func Event(r *http.Request, route httpapi.Route, keyID string, body []byte) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{
		Resource:          route.Path,
		Path:              r.URL.Path,
		HTTPMethod:        r.Method,
		Headers:           map[string]string{},
		MultiValueHeaders: map[string][]string{},
		PathParameters:    map[string]string{},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: newID(), Stage: "api", ResourcePath: route.Path, HTTPMethod: r.Method, Path: "/api" + r.URL.Path,
			Identity:         events.APIGatewayRequestIdentity{APIKeyID: keyID, SourceIP: sourceIP(r.RemoteAddr), UserAgent: r.UserAgent()},
			RequestTimeEpoch: time.Now().UnixMilli(),
		},
	}
	for k, vs := range r.Header {
		ev.Headers[k] = vs[len(vs)-1]
		ev.MultiValueHeaders[k] = vs
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = vs[len(vs)-1]
			ev.MultiValueQueryStringParameters[k] = vs
		}
	}
	for _, seg := range strings.Split(route.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			ev.PathParameters[name] = r.PathValue(name)
		}
	}
	if len(body) > 0 {
		ev.Body = base64.StdEncoding.EncodeToString(body)
		ev.IsBase64Encoded = true
	}
	return ev
}

// WriteResponse turns a proxy response back into HTTP, as API Gateway does.
func WriteResponse(w http.ResponseWriter, res events.APIGatewayProxyResponse) {
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range res.MultiValueHeaders {
		w.Header().Del(k)
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			writeGatewayResponse(w, "DEFAULT_5XX", http.StatusBadGateway)
			return
		}
		body = b
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

func sourceIP(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
