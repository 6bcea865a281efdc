package client_test

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/client"
	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/unicosim"
)

var ddb *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &ddb)) }

func stack(t *testing.T) *devstack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func hosted(cpf string) client.CreateRequest {
	return client.CreateRequest{Integration: client.ByUnico, Flow: "id", Purpose: "creditprocess",
		ClientReference: "loan-7", Person: &client.Person{CPF: cpf, Name: "Joana Teste"}}
}

// The flow an app backend runs: create, the person finishes, Unico's webhook reaches the
// gateway, read the decision.
func TestCreateFinishWebhookRead(t *testing.T) {
	s := stack(t)
	c := client.New(s.APIURL, s.Tenants[0].APIKey)
	ctx := context.Background()
	res, err := c.CreateProcess(ctx, hosted(unicosim.ScenarioCPF("approved")))
	if err != nil {
		t.Fatal(err)
	}
	if res.RedirectURL == "" || res.Process.Decision.Outcome != client.Pending {
		t.Fatalf("create: %+v", res)
	}
	if err := s.Sim.Finish(ctx, res.Process.ID, ""); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetProcess(ctx, res.Process.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != "finished" || p.Decision.Outcome != client.Approved {
		t.Fatalf("read: %+v", p)
	}
	page, err := c.ListProcesses(ctx, client.ListQuery{ClientReference: "loan-7", Limit: 10})
	if err != nil || len(page.Processes) != 1 || page.Processes[0].ID != p.ID {
		t.Fatalf("list: %+v %v", page, err)
	}
	// Errors come back typed with the gateway's stable code.
	_, err = client.New(s.APIURL, s.Tenants[1].APIKey).GetProcess(ctx, p.ID)
	if !client.IsCode(err, "process_not_found") {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := c.CreateProcess(ctx, hosted("12345678900")); !client.IsCode(err, "invalid_cpf") {
		t.Fatalf("bad CPF: %v", err)
	}
}

// Two tries with the same key while Unico is slow: the second sees 409, backs off, and gets
// the first one's answer; Unico sees one create.
func TestRetriesReuseTheIdempotencyKey(t *testing.T) {
	s := stack(t)
	s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/client/v1/process", Delay: 1500 * time.Millisecond, Times: 1})
	c := client.New(s.APIURL, s.Tenants[0].APIKey, client.WithRetries(8, 2*time.Second))
	key := client.NewIdempotencyKey()
	var wg sync.WaitGroup
	ids := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 1 {
				time.Sleep(300 * time.Millisecond) // the second try starts while the first is at Unico
			}
			res, err := c.CreateProcessWithKey(context.Background(), key, hosted(unicosim.ScenarioCPF("approved")))
			errs[i] = err
			if err == nil {
				ids[i] = res.Process.ID
			}
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("ids %v errors %v", ids, errs)
	}
	if n := s.Sim.Stats().Calls["POST /client/v1/process"]; n != 1 {
		t.Fatalf("Unico creates: %d", n)
	}
}

// Unico's 429 comes back as 429 with Retry-After; the client waits and retries with the same key.
func TestBacksOffOnRateLimit(t *testing.T) {
	s := stack(t)
	s.Sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/client/v1/process", Status: 429, RetryAfter: "1", Times: 1,
		Body: `{"code":8,"message":"rate limit","details":[]}`})
	c := client.New(s.APIURL, s.Tenants[0].APIKey)
	start := time.Now()
	res, err := c.CreateProcess(context.Background(), hosted(unicosim.ScenarioCPF("approved")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Process.ID == "" || time.Since(start) < time.Second {
		t.Fatalf("created %q after %v: Retry-After not honoured", res.Process.ID, time.Since(start))
	}
	if n := s.Sim.Stats().Calls["POST /client/v1/process"]; n != 2 {
		t.Fatalf("Unico creates (one refused, one made): %d", n)
	}
}
