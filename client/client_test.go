package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

func stack(t *testing.T) *devstack.Stack { return stackWith(t, devstack.AsyncOptions{}) }

func stackWith(t *testing.T, async devstack.AsyncOptions) *devstack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.Discard, Async: async})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// delivery is one event the app backend's endpoint received, with the result of VerifyWebhook.
type delivery struct {
	header http.Header
	body   []byte
	err    error
}

// appBackend is an app backend's callback endpoint: it verifies every event with VerifyWebhook
// and the tenant's signing secret (known once the stack is up) and hands it to the test.
func appBackend(t *testing.T) (url string, secret chan<- string, got <-chan delivery) {
	t.Helper()
	secrets, deliveries := make(chan string, 1), make(chan delivery, 16)
	var key string
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { key = <-secrets })
		body, _ := io.ReadAll(r.Body)
		err := client.VerifyWebhook(key, r.Header, body, time.Now())
		deliveries <- delivery{r.Header.Clone(), body, err}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/gateway-events", secrets, deliveries
}

func hosted(cpf string) client.CreateRequest {
	return client.CreateRequest{Integration: client.ByUnico, Flow: "id", Purpose: "creditprocess",
		ClientReference: "loan-7", Person: &client.Person{CPF: cpf, Name: "Joana Teste"}}
}

// The flow an app backend runs: create, the person finishes, Unico's webhook reaches the
// gateway, the gateway's signed event reaches the app backend (verified with VerifyWebhook),
// read the decision.
func TestCreateFinishWebhookRead(t *testing.T) {
	callback, secret, events := appBackend(t)
	s := stackWith(t, devstack.AsyncOptions{Callbacks: map[string]string{"demo": callback}})
	secret <- s.Async.SigningSecrets["demo"]
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

	// The gateway's event: signed for this tenant, about this process, with the decision.
	var ev delivery
	select {
	case ev = <-events:
	case <-time.After(30 * time.Second):
		t.Fatal("no event reached the app backend")
	}
	if ev.err != nil {
		t.Fatalf("VerifyWebhook refused the gateway's event: %v", ev.err)
	}
	var event struct {
		Type string `json:"type"`
		Data struct {
			ID       string          `json:"id"`
			State    string          `json:"state"`
			Decision client.Decision `json:"decision"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.body, &event); err != nil {
		t.Fatal(err)
	}
	if event.Type != "process.finished" || event.Data.ID != res.Process.ID || event.Data.Decision.Outcome != client.Approved ||
		ev.header.Get("webhook-id") != "evt_"+res.Process.ID {
		t.Fatalf("event: %s %s", ev.header.Get("webhook-id"), ev.body)
	}
	// What VerifyWebhook refuses: another secret, a changed body, an old timestamp.
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("not the tenant's signing secret"))
	for name, err := range map[string]error{
		"other secret": client.VerifyWebhook(other, ev.header, ev.body, time.Now()),
		"changed body": client.VerifyWebhook(s.Async.SigningSecrets["demo"], ev.header, bytes.Replace(ev.body, []byte("approved"), []byte("rejected"), 1), time.Now()),
		"replayed":     client.VerifyWebhook(s.Async.SigningSecrets["demo"], ev.header, ev.body, time.Now().Add(time.Hour)),
	} {
		if err == nil {
			t.Errorf("%s: VerifyWebhook accepted it", name)
		}
	}

	p, err := c.GetProcess(ctx, res.Process.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != "finished" || p.Decision.Outcome != client.Approved || p.Decision.Reasons[0].Code != event.Data.Decision.Reasons[0].Code {
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
