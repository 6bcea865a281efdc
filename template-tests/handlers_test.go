package templatetests

import (
	"testing"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/shared/httpapi"
)

// TestHandlerRoutesDeployed: every route the handlers serve (shared/httpapi.Routes) is
// deployed by the stack to the same function, with the same API-key requirement; otherwise
// API Gateway would answer 404 for a working handler, or send it to a function without it.
func TestHandlerRoutesDeployed(t *testing.T) {
	if httpapi.FunctionCreate != infra.FunctionCreate || httpapi.FunctionGet != infra.FunctionGet ||
		httpapi.FunctionWebhook != infra.FunctionWebhook {
		t.Fatal("function names differ between shared/httpapi and infra")
	}
	deployed := map[string]infra.Route{}
	for _, r := range infra.Routes {
		deployed[r.Method+" "+r.Path] = r
	}
	for _, h := range httpapi.Routes() {
		key := h.Method + " " + h.Path
		d, ok := deployed[key]
		if !ok {
			t.Errorf("handler route %s is not deployed (infra.Routes)", key)
			continue
		}
		if d.Function != h.Function || d.APIKey != h.APIKey {
			t.Errorf("route %s: handlers say %s (API key %v), the stack %s (API key %v)",
				key, h.Function, h.APIKey, d.Function, d.APIKey)
		}
	}
	if n := len(httpapi.Routes()); n < len(infra.Routes) {
		t.Logf("the stack deploys %d routes, the handlers serve %d so far", len(infra.Routes), n)
	}
}
