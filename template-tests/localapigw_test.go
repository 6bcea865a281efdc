package templatetests

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/unicogw/gateway/local/apigw"
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
	}
}
