package devstack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/local/devstack"

	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
)

// TestSAMInvokeEvent runs events/get.json (docs/sam-and-localstack.md's `sam local invoke` example) through the
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

// TestSAMScheduledEvent runs events/scheduled.json (docs/sam-and-localstack.md's `make sam-invoke` event for
// the scheduled functions) through the sweeper's Lambda handler: it is an EventBridge event the
// handler accepts.
func TestSAMScheduledEvent(t *testing.T) {
	s, _ := startStack(t)
	raw, err := os.ReadFile("../../events/scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil || ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" {
		t.Fatalf("events/scheduled.json: %+v %v", ev, err)
	}
	if _, err := s.Functions[devstack.FunctionSweeper].SweeperHandler()(context.Background(), ev); err != nil {
		t.Fatalf("the sweeper refused events/scheduled.json: %v", err)
	}
	// The log scan wants at least one request line from every stack.
	req, _ := http.NewRequest(http.MethodGet, s.APIURL+"/v1/processes", nil)
	req.Header.Set("x-api-key", s.Tenants[0].APIKey)
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
}
