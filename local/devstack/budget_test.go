package devstack_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
)

// TestRoundTripBudget checks the design's budget on warm functions: a read costs one DynamoDB
// round trip and one Unico call, a create two DynamoDB round trips and one Unico call, and
// neither mints a token nor fetches a secret.
func TestRoundTripBudget(t *testing.T) {
	_, logs := logging.NewCapture()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: logs,
		Customize: func(c *gateway.Config) { c.SecretsTTL = 10 * time.Minute }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	api := client{t, s.APIURL}
	key := s.Tenants[0].APIKey
	body := createBody(unicosim.ScenarioCPF("approved"))

	// Warm every function once (first use fetches the secret and mints a token).
	status, _, res := api.do("POST", "/v1/processes", key, map[string]string{"Idempotency-Key": "budget-warm"}, body)
	if status != http.StatusCreated {
		t.Fatalf("warm create: %d %v", status, res)
	}
	id := get(res, "process", "id").(string)
	if status, _, _ := api.do("GET", "/v1/processes/"+id, key, nil, nil); status != 200 {
		t.Fatal("warm read")
	}

	snapshot := func() (dynamo map[string]int, unicoCalls map[string]int, mints, secretReads int) {
		d, _ := s.DynamoDBOps.Counts()
		st := s.Sim.Stats()
		return d, st.Calls, st.TokenMints, s.Secrets.Counts()["GetSecretValue"]
	}
	diff := func(a, b map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range b {
			if v-a[k] != 0 {
				out[k] = v - a[k]
			}
		}
		return out
	}

	// Reads.
	d0, u0, m0, s0 := snapshot()
	const reads = 5
	for i := 0; i < reads; i++ {
		if status, _, res := api.do("GET", "/v1/processes/"+id, key, nil, nil); status != 200 {
			t.Fatalf("read: %d %v", status, res)
		}
	}
	d1, u1, m1, s1 := snapshot()
	if got := diff(d0, d1); fmt.Sprint(got) != fmt.Sprint(map[string]int{"GetItem": reads}) {
		t.Errorf("DynamoDB operations for %d reads: %v, want %d GetItem", reads, got, reads)
	}
	if got := diff(u0, u1); fmt.Sprint(got) != fmt.Sprint(map[string]int{"GET /client/v1/process/{id}": reads}) {
		t.Errorf("Unico calls for %d reads: %v", reads, got)
	}
	if m1 != m0 || s1 != s0 {
		t.Errorf("reads minted %d tokens and fetched the secret %d times", m1-m0, s1-s0)
	}

	// Creates.
	const creates = 3
	for i := 0; i < creates; i++ {
		if status, _, res := api.do("POST", "/v1/processes", key, map[string]string{"Idempotency-Key": fmt.Sprint("budget-", i)}, body); status != 201 {
			t.Fatalf("create: %d %v", status, res)
		}
	}
	d2, u2, m2, s2 := snapshot()
	if got := diff(d1, d2); fmt.Sprint(got) != fmt.Sprint(map[string]int{"PutItem": creates, "TransactWriteItems": creates}) {
		t.Errorf("DynamoDB operations for %d creates: %v, want one PutItem (key) and one TransactWriteItems each", creates, got)
	}
	if got := diff(u1, u2); fmt.Sprint(got) != fmt.Sprint(map[string]int{"POST /client/v1/process": creates}) {
		t.Errorf("Unico calls for %d creates: %v", creates, got)
	}
	if m2 != m1 || s2 != s1 {
		t.Errorf("creates minted %d tokens and fetched the secret %d times", m2-m1, s2-s1)
	}
}
