package devstack_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
)

// TestStartFailureIsAnError: a stack that cannot start (here: its API address is taken) returns
// the error, having stopped what it had started, instead of panicking.
func TestStartFailureIsAnError(t *testing.T) {
	first, _ := startStack(t)
	req, _ := http.NewRequest(http.MethodGet, first.APIURL+"/v1/processes", nil)
	req.Header.Set("x-api-key", first.Tenants[0].APIKey)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the first stack: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr := first.APIURL[len("http://"):]
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.Discard, APIAddr: addr})
	if err == nil || s != nil {
		if s != nil {
			s.Stop()
		}
		t.Fatalf("a second stack on %s: %v, want an error", addr, err)
	}
}
