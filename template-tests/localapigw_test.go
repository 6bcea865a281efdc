package templatetests

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/infra/throttle"
	"github.com/unicogw/gateway/local/apigw"
	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
)

// TestLocalGatewayResponsesMatchTheStack: the local API Gateway stand-in (local/apigw) answers
// a missing key, an unknown route, a body too large and a failed function with exactly the
// status, code and message the deployed stack's gateway responses give, so what an integrator
// sees locally is what the deployment answers.
func TestLocalGatewayResponsesMatchTheStack(t *testing.T) {
	s := defaultStack(t)
	byType := map[string]map[string]any{}
	for _, r := range s.resourcesOfType("AWS::ApiGateway::GatewayResponse") {
		byType[props(r)["ResponseType"].(string)] = props(r)
	}
	for typ, local := range apigw.GatewayResponses {
		r, ok := byType[typ]
		if !ok {
			t.Errorf("the stand-in answers %s, the stack has no such gateway response", typ)
			continue
		}
		status, _ := r["StatusCode"].(string)
		if local.Status == 0 && status != "" || local.Status != 0 && status != strconv.Itoa(local.Status) {
			t.Errorf("%s: the stack answers status %q, the stand-in %d", typ, status, local.Status)
		}
		tpl, _ := obj(r["ResponseTemplates"])["application/json"].(string)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(strings.ReplaceAll(tpl, "$context.requestId", "r")), &body); err != nil {
			t.Errorf("%s: template %s: %v", typ, tpl, err)
			continue
		}
		if body.Error.Code != local.Code || body.Error.Message != local.Message {
			t.Errorf("%s: the stack answers %+v, the stand-in %+v", typ, body.Error, local)
		}
		// Headers: the stack's are quoted literals ('1').
		stackHeaders := map[string]string{}
		for k, v := range obj(r["ResponseParameters"]) {
			if name, ok := strings.CutPrefix(k, "gatewayresponse.header."); ok && name != "Access-Control-Allow-Origin" {
				stackHeaders[name] = strings.Trim(v.(string), "'")
			}
		}
		if len(stackHeaders) != len(local.Headers) || !maps.Equal(stackHeaders, local.Headers) {
			t.Errorf("%s: the stack answers headers %v, the stand-in %v", typ, stackHeaders, local.Headers)
		}
	}
}

// standIn is the local API Gateway stand-in built from s's props (the plan infra renders), with
// stub functions, one key per tenant (value "key-<tenant>") and a clock that never moves.
func standIn(t *testing.T, s *synthesized) *apigw.Gateway {
	t.Helper()
	ok := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: "{}"}, nil
	}
	var keys []apigw.Key
	for _, tn := range s.props.Tenants {
		keys = append(keys, apigw.Key{Value: "key-" + tn.Name, ID: "id-" + tn.Name, Tenant: tn.Name})
	}
	frozen := time.Unix(1_800_000_000, 0)
	return apigw.New(httpapi.Routes(), map[string]lambdaproxy.Handler{httpapi.FunctionCreate: ok, httpapi.FunctionGet: ok, httpapi.FunctionWebhook: ok},
		keys, apigw.WithThrottle(s.props.ThrottlePlan()), apigw.WithClock(func() time.Time { return frozen }))
}

func call(g *apigw.Gateway, method, path, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader("{}"))
	if key != "" {
		r.Header.Set("X-Api-Key", key)
	}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

// passed sends requests until the first 429 and returns how many passed before it.
func passed(t *testing.T, g *apigw.Gateway, method, path, key string) int {
	t.Helper()
	for i := 0; i < 10_000; i++ {
		switch w := call(g, method, path, key); w.Code {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			return i
		default:
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	t.Fatalf("%s %s: never throttled", method, path)
	return 0
}

// TestLocalThrottlesMatchTheStack: the stand-in, built from the props the stack was synthesized
// from, lets through exactly what the template's throttles do (no time passing: each bucket's
// burst): the stage method setting of a route that calls Unico, shared by the tenants; each
// tenant's usage plan as a whole across its routes; the webhook's own setting.
func TestLocalThrottlesMatchTheStack(t *testing.T) {
	// Tenants whose bursts exceed the route's stage burst, so that the stage binds first.
	s := synth(t, map[string]any{"readRateLimit": 20,
		"tenants": `[{"name":"a","rateLimit":2,"burstLimit":10},{"name":"b","rateLimit":2,"burstLimit":10}]`})
	tpl := templatePlan(t, s)
	g := standIn(t, s)

	create := tpl.Methods["/v1/processes/POST"]
	a, _ := tpl.Tenant("a")
	b, _ := tpl.Tenant("b")
	if create.Burst >= a.Methods["/v1/processes/POST"].Burst {
		t.Fatalf("the template's create stage burst %d does not bind before the tenant's %v", create.Burst, a.Methods)
	}
	if n := passed(t, g, "POST", "/v1/processes", "key-a"); n != create.Burst {
		t.Errorf("a's creates: %d passed, the stack's stage method setting lets %d through", n, create.Burst)
	}
	if n := passed(t, g, "POST", "/v1/processes", "key-b"); n != 0 {
		t.Errorf("b's creates after a emptied the route's stage bucket: %d passed, want 0", n)
	}
	// a's usage plan throttles a as a whole (readRateLimit): its creates counted.
	readStage := tpl.MethodLimit("GET", "/v1/processes/{id}")
	if n, want := passed(t, g, "GET", "/v1/processes/p1", "key-a"), a.Overall.Burst-create.Burst; n != want {
		t.Errorf("a's reads after %d creates: %d passed, want %d (the usage plan's burst %d)", create.Burst, n, want, a.Overall.Burst)
	}
	if n, want := passed(t, g, "GET", "/v1/processes/p1", "key-b"), min(b.Overall.Burst, readStage.Burst-(a.Overall.Burst-create.Burst)); n != want {
		t.Errorf("b's reads: %d passed, want %d", n, want)
	}
	if n, want := passed(t, g, "POST", "/webhooks/unico", ""), tpl.Methods[webhookMethod].Burst; n != want {
		t.Errorf("webhooks: %d passed, the stack's webhook setting lets %d through", n, want)
	}
}

// TestLocalThrottledAnswerIsTheStacks: the stand-in's 429 is the deployed THROTTLED gateway
// response byte for byte (the template with $context.requestId rendered), with its status and
// Retry-After.
func TestLocalThrottledAnswerIsTheStacks(t *testing.T) {
	s := defaultStack(t)
	var throttled map[string]any
	for _, r := range s.resourcesOfType("AWS::ApiGateway::GatewayResponse") {
		if props(r)["ResponseType"] == "THROTTLED" {
			throttled = props(r)
		}
	}
	if throttled == nil {
		t.Fatal("the stack has no THROTTLED gateway response")
	}
	g := standIn(t, s)
	passed(t, g, "POST", "/v1/processes", "key-default")
	w := call(g, "POST", "/v1/processes", "key-default")
	id := w.Header().Get("X-Amzn-Requestid")
	tpl, _ := obj(throttled["ResponseTemplates"])["application/json"].(string)
	if want := strings.ReplaceAll(tpl, "$context.requestId", id); id == "" || w.Body.String() != want {
		t.Errorf("the stand-in's 429 body\n%s\nthe stack's\n%s", w.Body, want)
	}
	if strconv.Itoa(w.Code) != throttled["StatusCode"] {
		t.Errorf("status %d, the stack's %v", w.Code, throttled["StatusCode"])
	}
	if ra := obj(throttled["ResponseParameters"])["gatewayresponse.header.Retry-After"]; ra != "'"+w.Header().Get("Retry-After")+"'" {
		t.Errorf("Retry-After %q, the stack's %v", w.Header().Get("Retry-After"), ra)
	}
}

// TestLocalStackThrottlesAsDeployed: the local stack's front throttles (local/devstack's
// default) are what the stack would deploy for the same tenants and budget.
func TestLocalStackThrottlesAsDeployed(t *testing.T) {
	c := devstack.DefaultFrontThrottle()
	var tenants []map[string]any
	for _, tn := range c.Tenants {
		tenants = append(tenants, map[string]any{"name": tn.Name, "rateLimit": tn.RateLimit, "burstLimit": tn.BurstLimit})
	}
	raw, _ := json.Marshal(tenants)
	s := synth(t, map[string]any{"tenants": string(raw), "unicoRateLimit": c.UnicoRateLimit,
		"readRateLimit": c.ReadRateLimit, "webhookRateLimit": c.WebhookRateLimit})
	if s.props.UnicoRateLimit != infra.DefaultUnicoRateLimit || s.props.ReadRateLimit != infra.DefaultReadRateLimit ||
		s.props.WebhookRateLimit != infra.DefaultWebhookRateLimit {
		t.Errorf("the local stack's budget %+v is not the deployed defaults", c)
	}
	c.Routes = apigw.ThrottleRoutes(httpapi.Routes())
	if got, want := throttle.Compute(c), templatePlan(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("the local stack throttles with\n%+v\nthe stack deploys\n%+v", got, want)
	}
}
