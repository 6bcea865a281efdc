package lambdaproxy

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestRoundTrip(t *testing.T) {
	var seen struct {
		body, query, header, keyID, method, path string
	}
	h := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen.body, seen.query, seen.header = string(b), r.URL.Query().Get("state"), r.Header.Get("Idempotency-Key")
		seen.keyID, seen.method, seen.path = IdentityFrom(r.Context()).APIKeyID, r.Method, r.URL.Path
		if r.URL.Path == "/pdf" {
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write([]byte("%PDF-1.4\x00\xff"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	res, err := h(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "POST", Path: "/v1/processes", IsBase64Encoded: true,
		Body:                            base64.StdEncoding.EncodeToString([]byte(`{"a":1}`)),
		MultiValueHeaders:               map[string][]string{"Idempotency-Key": {"k1"}},
		MultiValueQueryStringParameters: map[string][]string{"state": {"finished"}},
		RequestContext:                  events.APIGatewayProxyRequestContext{RequestID: "r1", Identity: events.APIGatewayRequestIdentity{APIKeyID: "key-1"}},
	})
	if err != nil || res.StatusCode != 201 || res.Body != `{"ok":true}` || res.IsBase64Encoded {
		t.Fatalf("json answer: %+v %v", res, err)
	}
	if seen.body != `{"a":1}` || seen.query != "finished" || seen.header != "k1" || seen.keyID != "key-1" || seen.method != "POST" || seen.path != "/v1/processes" {
		t.Fatalf("request seen by the handler: %+v", seen)
	}
	res, _ = h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/pdf"})
	raw, _ := base64.StdEncoding.DecodeString(res.Body)
	if !res.IsBase64Encoded || string(raw) != "%PDF-1.4\x00\xff" || res.MultiValueHeaders["Content-Type"][0] != "application/pdf" {
		t.Fatalf("binary answer: %+v", res)
	}
	// A body that claims base64 but is not is a 400, not a panic.
	res, _ = h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/x", IsBase64Encoded: true, Body: "%%%"})
	if res.StatusCode != 400 {
		t.Fatalf("bad base64: %+v", res)
	}
}
