package apigw

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/infra/throttle"
	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
)

// clock is a throttle clock that moves only when the test says so: no sleeps, no flakes.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func ok(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: "{}"}, nil
}

var stubs = map[string]lambdaproxy.Handler{httpapi.FunctionCreate: ok, httpapi.FunctionGet: ok, httpapi.FunctionWebhook: ok}

// throttled builds the stand-in with the plan of c (the routes are the handlers' table) and two
// tenants' keys.
func throttled(t *testing.T, c throttle.Config) (*Gateway, *clock) {
	t.Helper()
	c.Routes = ThrottleRoutes(httpapi.Routes())
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(httpapi.Routes(), stubs, []Key{{Value: "ka", ID: "id-a", Tenant: "a"}, {Value: "kb", ID: "id-b", Tenant: "b"}},
		WithThrottle(throttle.Compute(c)), WithClock(clk.now))
	return g, clk
}

func send(g *Gateway, method, path, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader("{}"))
	if key != "" {
		r.Header.Set("X-Api-Key", key)
	}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

// passes sends requests until the first 429 (at most limit+1) and returns how many passed.
func passes(t *testing.T, g *Gateway, method, path, key string, limit int) int {
	t.Helper()
	for i := 0; i <= limit; i++ {
		w := send(g, method, path, key)
		if w.Code == http.StatusTooManyRequests {
			return i
		}
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	return limit + 1
}

var base = throttle.Config{UnicoRateLimit: 10, ReadRateLimit: 20, WebhookRateLimit: 5,
	Tenants: []throttle.Tenant{{Name: "a", RateLimit: 2, BurstLimit: 3}, {Name: "b", RateLimit: 1, BurstLimit: 2}}}

func TestTenantsMethodThrottle(t *testing.T) {
	g, clk := throttled(t, base)
	if n := passes(t, g, "POST", "/v1/processes", "ka", 10); n != 3 {
		t.Errorf("a's creates: %d passed, want its burstLimit 3", n)
	}
	// b's own bucket on the same route, and a's other routes that call Unico have their own.
	if n := passes(t, g, "POST", "/v1/processes", "kb", 10); n != 2 {
		t.Errorf("b's creates after a's: %d passed, want its burstLimit 2", n)
	}
	if n := passes(t, g, "GET", "/v1/processes/p1/selfie", "ka", 10); n != 3 {
		t.Errorf("a's selfies: %d passed, want 3 (a bucket per method)", n)
	}
	// Half a second at 2/s: one more create for a; b (1/s) has none yet.
	clk.advance(500 * time.Millisecond)
	if n := passes(t, g, "POST", "/v1/processes", "ka", 10); n != 1 {
		t.Errorf("a after 0.5 s: %d passed, want 1", n)
	}
	if w := send(g, "POST", "/v1/processes", "kb"); w.Code != http.StatusTooManyRequests {
		t.Errorf("b after 0.5 s at 1/s: %d, want 429", w.Code)
	}
}

func TestStageMethodThrottleIsSharedByTenants(t *testing.T) {
	c := base
	// Bursts of 10 each over the route's stage burst (0.4 × 5 = 2/s, burst 4): the stage binds.
	c.UnicoRateLimit = 5
	c.Tenants = []throttle.Tenant{{Name: "a", RateLimit: 1, BurstLimit: 10}, {Name: "b", RateLimit: 1, BurstLimit: 10}}
	g, _ := throttled(t, c)
	if n := passes(t, g, "POST", "/v1/processes", "ka", 20); n != 4 {
		t.Errorf("a's creates: %d passed, want the stage's burst 4", n)
	}
	if w := send(g, "POST", "/v1/processes", "kb"); w.Code != http.StatusTooManyRequests {
		t.Errorf("b's create with the route's stage bucket empty: %d, want 429", w.Code)
	}
	// Refused requests took nothing: a's own bucket still holds 10 − 4.
	if n := passes(t, g, "PUT", "/v1/processes/p1/document", "ka", 20); n != 4 {
		t.Errorf("a's document submissions: %d passed, want 4 (another method's stage bucket)", n)
	}
}

func TestTenantsReadRateCoversEveryRoute(t *testing.T) {
	g, _ := throttled(t, base)
	// Read rate 20, burst 40, shared by all of a's routes: 3 creates, then 37 reads.
	if n := passes(t, g, "POST", "/v1/processes", "ka", 10); n != 3 {
		t.Fatalf("creates: %d", n)
	}
	if n := passes(t, g, "GET", "/v1/processes/p1", "ka", 100); n != 37 {
		t.Errorf("a's reads after 3 creates: %d passed, want 40 − 3", n)
	}
	if n := passes(t, g, "GET", "/v1/processes", "kb", 100); n != 40 {
		t.Errorf("b's lists: %d passed, want its own 40", n)
	}
}

func TestWebhookHasItsOwnLimit(t *testing.T) {
	g, _ := throttled(t, base)
	if n := passes(t, g, "GET", "/v1/processes/p1", "ka", 100); n != 40 {
		t.Fatalf("reads: %d", n)
	}
	if n := passes(t, g, "POST", "/webhooks/unico", "", 100); n != 10 {
		t.Errorf("webhooks: %d passed, want webhookRateLimit 5's burst 10, whatever the tenants did", n)
	}
}

func TestThrottledAnswer(t *testing.T) {
	g, _ := throttled(t, base)
	passes(t, g, "POST", "/v1/processes", "kb", 10)
	w := send(g, "POST", "/v1/processes", "kb")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("429: %d %v", w.Code, w.Header())
	}
	id := w.Header().Get("X-Amzn-Requestid")
	want := `{"error":{"code":"rate_limited","message":"Too many requests; retry later.","requestId":"` + id + `"}}`
	if id == "" || w.Body.String() != want {
		t.Errorf("body %s, want %s", w.Body, want)
	}
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Error(err)
	}
}

func TestNoThrottleByDefault(t *testing.T) {
	g := New(httpapi.Routes(), stubs, []Key{{Value: "k", ID: "id"}})
	for i := 0; i < 100; i++ {
		if w := send(g, "POST", "/v1/processes", "k"); w.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
}

func TestKeyWithoutUsagePlan(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `tenant "c"`) {
			t.Errorf("panic = %v", r)
		}
	}()
	New(httpapi.Routes(), stubs, []Key{{Value: "kc", ID: "id-c", Tenant: "c"}}, WithThrottle(throttle.Compute(base)))
}
