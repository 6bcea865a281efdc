package throttle

import (
	"reflect"
	"strings"
	"testing"
)

var routes = []Route{
	{"POST", "/v1/processes", true},
	{"GET", "/v1/processes", true},
	{"GET", "/v1/processes/{id}", true},
	{"GET", "/v1/processes/{id}/selfie", true},
	{"PUT", "/v1/processes/{id}/document", true},
	{"GET", "/v1/documents", true},
	{"POST", "/v1/processes/{id}/redact", true},
	{"POST", "/webhooks/unico", false},
}

func TestComputeFollowsWhatEachRouteCosts(t *testing.T) {
	p := Compute(Config{UnicoRateLimit: 10, ReadRateLimit: 200, WebhookRateLimit: 50, Routes: routes,
		Tenants: []Tenant{{"a", 2.5, 5}, {"b", 1.5, 3}}})
	if want := (Limit{400, 800}); p.Stage != want {
		t.Errorf("stage default = %+v, want %+v (every tenant's read rate)", p.Stage, want)
	}
	share := Limit{4, 8} // 0.4 × 10
	want := map[string]Limit{
		"/v1/processes/POST": share, "/v1/processes/{id}/selfie/GET": share, "/v1/processes/{id}/document/PUT": share,
		"/v1/documents/GET": share, "/webhooks/unico/POST": {50, 100},
	}
	if !reflect.DeepEqual(p.Methods, want) {
		t.Errorf("stage methods = %v, want %v", p.Methods, want)
	}
	if len(p.Tenants) != 2 {
		t.Fatalf("tenants = %+v", p.Tenants)
	}
	a, _ := p.Tenant("a")
	if a.Overall != (Limit{200, 400}) {
		t.Errorf("a's usage plan throttle = %+v, want the read rate", a.Overall)
	}
	wantA := map[string]Limit{"/v1/processes/POST": {2.5, 5}, "/v1/processes/{id}/selfie/GET": {2.5, 5},
		"/v1/processes/{id}/document/PUT": {2.5, 5}, "/v1/documents/GET": {2.5, 5}}
	if !reflect.DeepEqual(a.Methods, wantA) {
		t.Errorf("a's per-method throttles = %v, want %v (no read route, never the webhook)", a.Methods, wantA)
	}
	if l := p.MethodLimit("GET", "/v1/processes/{id}"); l != p.Stage {
		t.Errorf("a read's stage limit = %+v, want the default", l)
	}
	if l := p.MethodLimit("post", "/v1/processes"); l != share {
		t.Errorf("a create's stage limit = %+v", l)
	}
}

func TestRouteCosts(t *testing.T) {
	for route, want := range map[string]Cost{
		"POST /v1/processes": CostUnico, "GET /v1/processes/{id}/evidence-set": CostUnico,
		"GET /v1/processes/{id}/signed-documents/{documentId}": CostUnico, "GET /v1/processes/{id}/signature-evidence/{documentId}": CostUnico,
		"GET /v1/processes": CostStore, "GET /v1/processes/{id}": CostStore, "POST /v1/processes/{id}/notifications": CostStore,
		"POST /v1/processes/{id}/review": CostStore, "POST /webhooks/unico": CostWebhook,
	} {
		m, p, _ := strings.Cut(route, " ")
		if got := RouteCost(m, p); got != want {
			t.Errorf("%s costs %v, want %v", route, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Config{UnicoRateLimit: 10, ReadRateLimit: 200, WebhookRateLimit: 50, Tenants: []Tenant{{"a", 2, 4}, {"b", 2, 4}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("4 of a 4 requests/s share: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   []string
	}{
		"over the share":    {func(c *Config) { c.Tenants[1].RateLimit = 2.1 }, []string{"add up to 4.1 requests/s", "create share", "4 requests/s", "0.4 × unicoRateLimit 10"}},
		"smaller budget":    {func(c *Config) { c.UnicoRateLimit = 8 }, []string{"add up to 4 requests/s", "3.2 requests/s"}},
		"no read rate":      {func(c *Config) { c.ReadRateLimit = 0 }, []string{"readRateLimit 0"}},
		"no webhook rate":   {func(c *Config) { c.WebhookRateLimit = -1 }, []string{"webhookRateLimit -1"}},
		"share over reads":  {func(c *Config) { c.ReadRateLimit = 1.5 }, []string{`tenant "a": rateLimit 2 is over readRateLimit 1.5`}},
		"every one at once": {func(c *Config) { c.WebhookRateLimit = 0; c.UnicoRateLimit = 1 }, []string{"webhookRateLimit", "create share"}},
	} {
		t.Run(name, func(t *testing.T) {
			c := ok
			c.Tenants = append([]Tenant(nil), ok.Tenants...)
			tc.mutate(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
