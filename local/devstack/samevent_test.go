package devstack_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
)

// TestSAMInvokeEvent runs events/get.json (the README's `sam local invoke` example) through the
// get function's Lambda handler, so the sample event stays a valid REST API proxy event.
func TestSAMInvokeEvent(t *testing.T) {
	s, _ := startStack(t)
	raw, err := os.ReadFile("../../events/get.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	res, err := lambdaproxy.New(s.Functions[httpapi.FunctionGet].API.Handler(httpapi.FunctionGet))(context.Background(), ev)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("events/get.json: %d %s %v", res.StatusCode, res.Body, err)
	}
}
