package templatetests

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
)

// wantRoutes is the public API as the design defines it: "METHOD path" → serving function.
// Every route needs the tenant's API key except Unico's webhook target.
var wantRoutes = map[string]string{
	"POST /v1/processes":                                     "CreateFunction",
	"GET /v1/processes":                                      "GetFunction",
	"GET /v1/processes/{id}":                                 "GetFunction",
	"GET /v1/processes/{id}/selfie":                          "GetFunction",
	"GET /v1/processes/{id}/evidence-set":                    "GetFunction",
	"GET /v1/processes/{id}/signed-documents/{documentId}":   "GetFunction",
	"GET /v1/processes/{id}/signature-evidence/{documentId}": "GetFunction",
	"PUT /v1/processes/{id}/document":                        "CreateFunction",
	"POST /v1/processes/{id}/redact":                         "CreateFunction",
	"POST /v1/processes/{id}/notifications":                  "CreateFunction",
	"POST /v1/processes/{id}/review":                         "CreateFunction",
	"GET /v1/documents":                                      "GetFunction",
	"POST /webhooks/unico":                                   "WebhookFunction",
}

const webhookRoute = "POST /webhooks/unico"

type method struct {
	function       string // logical id of the integrated function; "" for a mock
	apiKeyRequired bool
	props          map[string]any
}

// methods rebuilds "METHOD /path" → method from the template's resources and methods.
func (s *synthesized) methods(t *testing.T) map[string]method {
	t.Helper()
	paths := map[string]string{}
	resources := s.resourcesOfType("AWS::ApiGateway::Resource")
	var pathOf func(parent any) string
	pathOf = func(parent any) string {
		if id, ok := obj(parent)["Ref"].(string); ok {
			if p, ok := paths[id]; ok {
				return p
			}
			r := props(resources[id])
			p := pathOf(r["ParentId"]) + "/" + r["PathPart"].(string)
			paths[id] = p
			return p
		}
		return "" // Fn::GetAtt [api, RootResourceId]
	}
	fnIDs := map[string]bool{}
	for id := range s.resourcesOfType("AWS::Lambda::Function") {
		fnIDs[id] = true
	}
	out := map[string]method{}
	for id, m := range s.resourcesOfType("AWS::ApiGateway::Method") {
		p := props(m)
		path := pathOf(p["ResourceId"])
		if path == "" {
			path = "/"
		}
		key := p["HttpMethod"].(string) + " " + path
		if _, dup := out[key]; dup {
			t.Errorf("route %s defined twice (%s)", key, id)
		}
		var fn string
		integration := obj(p["Integration"])
		for fid := range fnIDs {
			if refersTo(integration["Uri"], fid) {
				fn = fid
			}
		}
		required, _ := p["ApiKeyRequired"].(bool)
		out[key] = method{function: fn, apiKeyRequired: required, props: p}
	}
	return out
}

// functionPrefix strips the logical id's hash: CreateFunctionABCD1234 → CreateFunction.
func functionPrefix(id string) string {
	if len(id) > 8 {
		return id[:len(id)-8]
	}
	return id
}

func TestRoutes(t *testing.T) {
	s := defaultStack(t)
	got := s.methods(t)
	for route, fn := range wantRoutes {
		m, ok := got[route]
		if !ok {
			t.Errorf("route %s is missing", route)
			continue
		}
		if functionPrefix(m.function) != fn {
			t.Errorf("route %s → %q, want %s", route, m.function, fn)
		}
		if want := route != webhookRoute; m.apiKeyRequired != want {
			t.Errorf("route %s ApiKeyRequired = %v, want %v", route, m.apiKeyRequired, want)
		}
		integration := obj(m.props["Integration"])
		if integration["Type"] != "AWS_PROXY" || integration["IntegrationHttpMethod"] != "POST" {
			t.Errorf("route %s integration = %v, want a Lambda proxy", route, integration)
		}
		if m.props["AuthorizationType"] != "NONE" {
			t.Errorf("route %s AuthorizationType = %v", route, m.props["AuthorizationType"])
		}
	}
	for route := range got {
		if _, ok := wantRoutes[route]; !ok {
			t.Errorf("unexpected route %s", route)
		}
	}
	// infra.Routes is what the stack is built from; keep it equal to the design's list.
	if len(infra.Routes) != len(wantRoutes) {
		t.Errorf("infra.Routes has %d routes, the design %d", len(infra.Routes), len(wantRoutes))
	}
}

// TestNoCorsByDefault: app backends call server to server; without corsOrigins there is no
// OPTIONS method and no CORS header anywhere.
func TestNoCorsByDefault(t *testing.T) {
	s := defaultStack(t)
	for route := range s.methods(t) {
		if strings.HasPrefix(route, "OPTIONS ") {
			t.Errorf("unexpected CORS preflight %s", route)
		}
	}
	raw, _ := json.Marshal(s.json)
	if strings.Contains(string(raw), "Access-Control-Allow-Origin") {
		t.Error("the default template mentions Access-Control-Allow-Origin")
	}
}

func TestCorsWhenConfigured(t *testing.T) {
	o := optionsStack(t)
	got := o.methods(t)
	preflights := 0
	for route := range wantRoutes {
		path := strings.SplitN(route, " ", 2)[1]
		m, ok := got["OPTIONS "+path]
		if !strings.HasPrefix(path, "/v1/") {
			if ok {
				t.Errorf("CORS preflight on %s, which browsers never call", path)
			}
			continue
		}
		if !ok {
			t.Errorf("no CORS preflight for %s", path)
			continue
		}
		preflights++
		if m.apiKeyRequired || m.function != "" {
			t.Errorf("preflight %s must be a mock without API key: %+v", path, m)
		}
		integration := obj(m.props["Integration"])
		if integration["Type"] != "MOCK" || integration["ContentHandling"] != "CONVERT_TO_TEXT" {
			t.Errorf("preflight %s integration = %v", path, integration)
		}
		raw, _ := json.Marshal(integration)
		if !strings.Contains(string(raw), optCorsOrigin) {
			t.Errorf("preflight %s does not allow %s: %s", path, optCorsOrigin, raw)
		}
	}
	if preflights == 0 {
		t.Error("no preflight at all")
	}
	// The functions name the origin on their own answers (shared/httpapi/cors.go): they get the
	// origins; without CORS they get nothing.
	for id, fn := range o.resourcesOfType("AWS::Lambda::Function") {
		env := obj(obj(props(fn)["Environment"])["Variables"])
		if _, api := env["TENANT_KEYS"]; api && env["CORS_ORIGINS"] != `["`+optCorsOrigin+`"]` {
			t.Errorf("%s: CORS_ORIGINS = %v", id, env["CORS_ORIGINS"])
		}
	}
	for id, fn := range defaultStack(t).resourcesOfType("AWS::Lambda::Function") {
		if _, ok := obj(obj(props(fn)["Environment"])["Variables"])["CORS_ORIGINS"]; ok {
			t.Errorf("%s: CORS_ORIGINS without corsOrigins", id)
		}
	}
}

func TestRestApi(t *testing.T) {
	s := defaultStack(t)
	s.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::RestApi"), jsii.Number(1))
	s.tpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Api"), jsii.Number(0))
	s.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), &map[string]any{
		"Name":                      "TestStack",
		"EndpointConfiguration":     map[string]any{"Types": []any{"REGIONAL"}},
		"ApiKeySourceType":          "HEADER",
		"DisableExecuteApiEndpoint": false,
		"BinaryMediaTypes":          []any{"*/*"},
	})
	logsID, _ := s.resource(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
	s.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Stage"), jsii.Number(1))
	_, stage := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	p := props(stage)
	if p["StageName"] != infra.StageName || p["TracingEnabled"] != true {
		t.Errorf("stage = %v/%v, want %s with tracing", p["StageName"], p["TracingEnabled"], infra.StageName)
	}
	access := obj(p["AccessLogSetting"])
	if !refersTo(access["DestinationArn"], logsID) {
		t.Errorf("access logs go to %v, want %s", access["DestinationArn"], logsID)
	}
	var format map[string]string
	if err := json.Unmarshal([]byte(access["Format"].(string)), &format); err != nil {
		t.Fatalf("access log format is not JSON: %v", err)
	}
	if format["requestId"] != "$context.requestId" || format["apiKeyId"] != "$context.identity.apiKeyId" {
		t.Errorf("access log format = %v", format)
	}
	for k, v := range format {
		// Bodies, query strings and concrete paths may carry personal data (a CPF, an id).
		for _, banned := range []string{"$input", "$context.path", "requestOverride", "querystring"} {
			if strings.Contains(v, banned) {
				t.Errorf("access log field %s = %s logs %s", k, v, banned)
			}
		}
	}
	settings := list(p["MethodSettings"])
	want := map[string]any{"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20.0,
		"DataTraceEnabled": false, "LoggingLevel": "OFF"}
	found := false
	for _, ms := range settings {
		m := obj(ms)
		match := true
		for k, v := range want {
			if m[k] != v {
				match = false
			}
		}
		found = found || match
	}
	if !found {
		t.Errorf("stage MethodSettings = %v, want %v", settings, want)
	}
	// Access logging needs the account's CloudWatch role; it must outlive the stack.
	s.tpl.HasResource(jsii.String("AWS::ApiGateway::Account"), &map[string]any{"DeletionPolicy": "Retain"})
	s.tpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACLAssociation"), jsii.Number(0))
}

func TestWafAssociation(t *testing.T) {
	o := optionsStack(t)
	o.tpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACLAssociation"), &map[string]any{
		"WebACLArn":   optWafArn,
		"ResourceArn": assertions.Match_AnyValue(),
	})
}

func TestUsagePlans(t *testing.T) {
	s := defaultStack(t)
	s.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::ApiKey"), jsii.Number(1))
	s.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlan"), jsii.Number(1))
	s.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlanKey"), jsii.Number(1))
	keyID, key := s.resource(t, "AWS::ApiGateway::ApiKey", "TenantDefaultApiKey")
	if p := props(key); p["Name"] != "TestStack-default" || p["Enabled"] != true {
		t.Errorf("API key = %v, want TestStack-default, enabled", p)
	}
	if _, ok := props(key)["Value"]; ok {
		t.Error("the API key value is in the template")
	}
	planID, plan := s.resource(t, "AWS::ApiGateway::UsagePlan", "TenantDefaultUsagePlan")
	p := props(plan)
	if !reflect.DeepEqual(p["Throttle"], map[string]any{"RateLimit": 5.0, "BurstLimit": 10.0}) {
		t.Errorf("Throttle = %v", p["Throttle"])
	}
	if !reflect.DeepEqual(p["Quota"], map[string]any{"Limit": 100000.0, "Period": "MONTH"}) {
		t.Errorf("Quota = %v", p["Quota"])
	}
	stageID, _ := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	stages := list(p["ApiStages"])
	if len(stages) != 1 || !refersTo(obj(stages[0])["Stage"], stageID) {
		t.Errorf("ApiStages = %v, want the %s stage", stages, stageID)
	}
	s.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlanKey"), &map[string]any{
		"KeyId": ref(keyID), "UsagePlanId": ref(planID), "KeyType": "API_KEY",
	})

	o := optionsStack(t)
	o.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlan"), jsii.Number(2))
	o.tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlanKey"), jsii.Number(2))
	_, acme := o.resource(t, "AWS::ApiGateway::UsagePlan", "TenantAcmeBankUsagePlan")
	if q := props(acme)["Quota"]; !reflect.DeepEqual(q, map[string]any{"Limit": 5000.0, "Period": "DAY"}) {
		t.Errorf("acme-bank Quota = %v", q)
	}
	_, beta := o.resource(t, "AWS::ApiGateway::UsagePlan", "TenantBetaUsagePlan")
	if q, ok := props(beta)["Quota"]; ok {
		t.Errorf("beta has quotaLimit 0 (no quota) but Quota = %v", q)
	}
	if th := props(beta)["Throttle"]; !reflect.DeepEqual(th, map[string]any{"RateLimit": 2.5, "BurstLimit": 5.0}) {
		t.Errorf("beta Throttle = %v", th)
	}
}

// TestGatewayResponses: API Gateway's own errors have the functions' error shape.
func TestGatewayResponses(t *testing.T) {
	s := defaultStack(t)
	byType := map[string]map[string]any{}
	for _, r := range s.resourcesOfType("AWS::ApiGateway::GatewayResponse") {
		byType[props(r)["ResponseType"].(string)] = props(r)
	}
	for typ, want := range map[string]struct{ status, code string }{
		"MISSING_AUTHENTICATION_TOKEN": {"404", "route_not_found"},
		"INVALID_API_KEY":              {"403", "invalid_api_key"},
		"THROTTLED":                    {"429", "rate_limited"},
		"QUOTA_EXCEEDED":               {"429", "quota_exceeded"},
		"DEFAULT_4XX":                  {"", "request_rejected"},
		"DEFAULT_5XX":                  {"", "internal_error"},
	} {
		r, ok := byType[typ]
		if !ok {
			t.Errorf("no gateway response %s", typ)
			continue
		}
		if status, _ := r["StatusCode"].(string); status != want.status {
			t.Errorf("%s StatusCode = %q, want %q", typ, status, want.status)
		}
		tpl := obj(r["ResponseTemplates"])["application/json"].(string)
		// Render the template with stand-ins for API Gateway's variables: it must be JSON.
		rendered := strings.NewReplacer("$context.requestId", "req-1", "$context.error.messageString", `"Forbidden"`).Replace(tpl)
		var body struct {
			Error struct{ Code, Message, RequestID string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(rendered), &body); err != nil {
			t.Errorf("%s template %s is not JSON: %v", typ, tpl, err)
			continue
		}
		if body.Error.Code != want.code || body.Error.Message == "" || body.Error.RequestID != "req-1" {
			t.Errorf("%s renders %+v, want code %s with a message and the request id", typ, body.Error, want.code)
		}
	}
}
