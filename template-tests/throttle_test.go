package templatetests

import (
	"reflect"
	"strings"
	"testing"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/infra/throttle"
)

// The routes that spend Unico's budget on their request path, as the issue lists them: creates,
// the by-Client document submission, artefacts and the document list. Written out here (not read
// from infra/throttle) so that a route dropped from the plan's table fails these tests.
// GET /v1/processes/{id}?include=documents spends it too, but is the same API Gateway method as a
// plain read: it is not here, and takes the read rate at the front.
var unicoMethods = []string{
	"/v1/processes/POST",
	"/v1/processes/{id}/document/PUT",
	"/v1/documents/GET",
	"/v1/processes/{id}/selfie/GET",
	"/v1/processes/{id}/evidence-set/GET",
	"/v1/processes/{id}/signed-documents/{documentId}/GET",
	"/v1/processes/{id}/signature-evidence/{documentId}/GET",
}

const webhookMethod = "/webhooks/unico/POST"

// splitMethodKey is the inverse of throttle.MethodKey: "/v1/processes/POST" → POST, /v1/processes.
func splitMethodKey(key string) (method, path string) {
	i := strings.LastIndex(key, "/")
	return key[i+1:], key[:i]
}

func limitOf(v any) throttle.Limit {
	m := obj(v)
	rate, _ := m["RateLimit"].(float64)
	burst, _ := m["BurstLimit"].(float64)
	return throttle.Limit{Rate: rate, Burst: int(burst)}
}

// templatePlan reads the front throttles back from a synthesized template, in the shape of
// throttle.Plan: the stage's default and method settings, and every tenant's usage plan (its
// overall throttle and apiStages[].throttle), tenants in the props' order.
func templatePlan(t *testing.T, s *synthesized) throttle.Plan {
	t.Helper()
	_, stage := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	p := throttle.Plan{Methods: map[string]throttle.Limit{}}
	for _, ms := range list(props(stage)["MethodSettings"]) {
		m := obj(ms)
		rate, _ := m["ThrottlingRateLimit"].(float64)
		burst, _ := m["ThrottlingBurstLimit"].(float64)
		l := throttle.Limit{Rate: rate, Burst: int(burst)}
		if m["ResourcePath"] == "/*" && m["HttpMethod"] == "*" {
			p.Stage = l
			continue
		}
		if m["LoggingLevel"] != "OFF" || m["DataTraceEnabled"] != false {
			t.Errorf("method setting %v logs requests (execution logs or data trace)", m)
		}
		// API Gateway's resource path: "/" and the path with its slashes escaped, /~1v1~1processes.
		path := strings.ReplaceAll(strings.TrimPrefix(m["ResourcePath"].(string), "/"), "~1", "/")
		p.Methods[throttle.MethodKey(m["HttpMethod"].(string), path)] = l
	}
	byName := map[string]throttle.TenantPlan{}
	prefix := "TestStack-" // synth's stack name
	for _, plan := range s.resourcesOfType("AWS::ApiGateway::UsagePlan") {
		pp := props(plan)
		name := strings.TrimPrefix(pp["UsagePlanName"].(string), prefix)
		tp := throttle.TenantPlan{Name: name, Overall: limitOf(pp["Throttle"]), Methods: map[string]throttle.Limit{}}
		stages := list(pp["ApiStages"])
		if len(stages) != 1 {
			t.Errorf("usage plan %s: ApiStages %v, want the one stage", name, stages)
			continue
		}
		for key, l := range obj(obj(stages[0])["Throttle"]) {
			tp.Methods[key] = limitOf(l)
		}
		byName[name] = tp
	}
	for _, tn := range s.props.Tenants {
		tp, ok := byName[tn.Name]
		if !ok {
			t.Errorf("tenant %s has no usage plan", tn.Name)
		}
		p.Tenants = append(p.Tenants, tp)
	}
	if len(byName) != len(s.props.Tenants) {
		t.Errorf("usage plans %v, tenants %v", byName, s.props.Tenants)
	}
	return p
}

// TestStageMethodThrottles: the stage's default lets every tenant's read rate through, each
// route that calls Unico has a method setting at the create share of Unico's budget (0.4 × 10
// requests/s, burst 2×), and no read or list has one (reads of one process with
// ?include=documents included: API Gateway cannot tell them from plain reads).
func TestStageMethodThrottles(t *testing.T) {
	for name, tc := range map[string]struct {
		s                     *synthesized
		stage, share, webhook throttle.Limit
	}{
		"default": {defaultStack(t), throttle.Limit{Rate: 200, Burst: 400}, throttle.Limit{Rate: 4, Burst: 8}, throttle.Limit{Rate: 50, Burst: 100}},
		// Two tenants at -c readRateLimit=150, -c webhookRateLimit=30.
		"options": {optionsStack(t), throttle.Limit{Rate: 300, Burst: 600}, throttle.Limit{Rate: 4, Burst: 8}, throttle.Limit{Rate: 30, Burst: 60}},
	} {
		got := templatePlan(t, tc.s)
		if got.Stage != tc.stage {
			t.Errorf("%s: stage default %+v, want %+v", name, got.Stage, tc.stage)
		}
		want := map[string]throttle.Limit{webhookMethod: tc.webhook}
		for _, k := range unicoMethods {
			want[k] = tc.share
		}
		if !reflect.DeepEqual(got.Methods, want) {
			t.Errorf("%s: stage method settings\n got %v\nwant %v", name, got.Methods, want)
		}
		for _, read := range []string{"/v1/processes/{id}/GET", "/v1/processes/GET", "/v1/processes/{id}/redact/POST"} {
			if _, ok := got.Methods[read]; ok {
				t.Errorf("%s: %s has a method setting of its own; it takes the stage default", name, read)
			}
		}
	}
}

// TestUsagePlanMethodThrottles: each tenant's usage plan throttles the tenant as a whole at
// readRateLimit and, per method (apiStages[].throttle), each route that calls Unico at the
// tenant's rateLimit/burstLimit; the tenants' rates on each such route add up to at most the
// create share. No usage plan names the webhook or a read.
func TestUsagePlanMethodThrottles(t *testing.T) {
	for name, tc := range map[string]struct {
		s       *synthesized
		overall throttle.Limit
		tenants map[string]throttle.Limit
	}{
		"default": {defaultStack(t), throttle.Limit{Rate: 200, Burst: 400}, map[string]throttle.Limit{"default": {Rate: 4, Burst: 8}}},
		"options": {optionsStack(t), throttle.Limit{Rate: 150, Burst: 300},
			map[string]throttle.Limit{"acme-bank": {Rate: 2.5, Burst: 5}, "beta": {Rate: 1.5, Burst: 3}}},
	} {
		got := templatePlan(t, tc.s)
		sums := map[string]float64{}
		for _, tp := range got.Tenants {
			if tp.Overall != tc.overall {
				t.Errorf("%s: %s's usage plan throttle %+v, want readRateLimit %+v", name, tp.Name, tp.Overall, tc.overall)
			}
			want := map[string]throttle.Limit{}
			for _, k := range unicoMethods {
				want[k] = tc.tenants[tp.Name]
			}
			if !reflect.DeepEqual(tp.Methods, want) {
				t.Errorf("%s: %s's per-method throttles\n got %v\nwant %v", name, tp.Name, tp.Methods, want)
			}
			for k, l := range tp.Methods {
				sums[k] += l.Rate
			}
		}
		if len(got.Tenants) != len(tc.tenants) {
			t.Errorf("%s: usage plans %v", name, got.Tenants)
		}
		for k, sum := range sums {
			if sum > throttle.CreateShare*tc.s.props.UnicoRateLimit+1e-9 || sum > got.Methods[k].Rate+1e-9 {
				t.Errorf("%s: the tenants' rates on %s add up to %v/s, over the create share", name, k, sum)
			}
		}
	}
}

// TestWebhookRouteHasItsOwnLimit: Unico's webhook target needs no API key, is in no usage plan
// (tenants' traffic never takes its share) and has a stage method setting at webhookRateLimit,
// which moves with the context key and with nothing else.
func TestWebhookRouteHasItsOwnLimit(t *testing.T) {
	s := synth(t, map[string]any{"webhookRateLimit": 7})
	got := templatePlan(t, s)
	if l := got.Methods[webhookMethod]; l != (throttle.Limit{Rate: 7, Burst: 14}) {
		t.Errorf("webhook stage setting %+v, want 7/s, burst 14", l)
	}
	def := templatePlan(t, defaultStack(t))
	for k, l := range def.Methods {
		if k != webhookMethod && got.Methods[k] != l {
			t.Errorf("webhookRateLimit changed %s: %+v, was %+v", k, got.Methods[k], l)
		}
	}
	if got.Stage != def.Stage {
		t.Errorf("webhookRateLimit changed the stage default: %+v, was %+v", got.Stage, def.Stage)
	}
	for _, tp := range append(got.Tenants, templatePlan(t, optionsStack(t)).Tenants...) {
		if _, ok := tp.Methods[webhookMethod]; ok {
			t.Errorf("tenant %s's usage plan throttles the webhook", tp.Name)
		}
	}
	for _, r := range infra.Routes {
		if throttle.MethodKey(r.Method, r.Path) == webhookMethod && r.APIKey {
			t.Error("the webhook route requires an API key")
		}
	}
}

// TestThrottlesFollowThePlan: what the template holds is exactly infra/throttle's plan for the
// props (the plan local/apigw enforces), for both stacks.
func TestThrottlesFollowThePlan(t *testing.T) {
	for name, s := range map[string]*synthesized{"default": defaultStack(t), "options": optionsStack(t)} {
		got, want := templatePlan(t, s), s.props.ThrottlePlan()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the template's throttles\n got %+v\nwant %+v (infra/throttle)", name, got, want)
		}
	}
}

// TestThrottleBudgetsThatDoNotAddUp: synth refuses front throttles that do not add up, with a
// message that says which numbers and what to change, every problem at once.
func TestThrottleBudgetsThatDoNotAddUp(t *testing.T) {
	for name, tc := range map[string]struct {
		overrides map[string]any
		want      []string
	}{
		"tenants' creates over the create share": {map[string]any{
			"tenants": `[{"name":"a","rateLimit":3,"burstLimit":6},{"name":"b","rateLimit":2,"burstLimit":4}]`},
			[]string{"tenants' rateLimits (each tenant's rate on every route that calls Unico) add up to 5 requests/s, " +
				"over the create share of Unico's budget, 4 requests/s (0.4 × unicoRateLimit 10): lower them or raise unicoRateLimit"}},
		"a smaller Unico budget": {map[string]any{"unicoRateLimit": 5},
			[]string{"add up to 4 requests/s", "create share of Unico's budget, 2 requests/s (0.4 × unicoRateLimit 5)"}},
		"a tenant's creates over its reads": {map[string]any{"readRateLimit": "2.5"},
			[]string{`tenant "default": rateLimit 4 is over readRateLimit 2.5`}},
		"no read rate, no webhook rate, too many creates": {map[string]any{"readRateLimit": -1, "webhookRateLimit": "-2",
			"tenants": `[{"name":"a","rateLimit":4.5,"burstLimit":9}]`},
			[]string{"readRateLimit -1: want > 0 requests/s", "webhookRateLimit -2: want > 0 requests/s", "add up to 4.5 requests/s"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := propsFrom(t, tc.overrides)
			if err == nil {
				t.Fatal("the props were accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
		})
	}
	// The sum at the share exactly is accepted.
	if _, err := propsFrom(t, map[string]any{"tenants": `[{"name":"a","rateLimit":2.5,"burstLimit":5},{"name":"b","rateLimit":1.5,"burstLimit":3}]`}); err != nil {
		t.Errorf("2.5 + 1.5 of a 4 requests/s share: %v", err)
	}
}
