package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/gateway"
)

// The same paths as shared/httpapi's handler benchmarks, through every real part: the API
// Gateway stand-in, the functions, DynamoDB Local and the simulator, over loopback HTTP. The
// allocations counted are the whole process's (the client, the functions and the simulator).
func benchStack(b *testing.B) (*devstack.Stack, string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The asynchronous side stays idle (no stream pollers, no schedules): the numbers are the
	// request path's, not the worker's running on the same two cores.
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.Discard,
		Async:     devstack.AsyncOptions{NoPollers: true, SweepEvery: -1, DispatchEvery: -1},
		Customize: func(c *gateway.Config) { c.SecretsTTL = time.Hour }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Stop)
	id := benchDo(b, s, "POST", "/v1/processes", "seed", createBody(unicosim.ScenarioCPF("approved")), 201)
	if err := s.Sim.Finish(ctx, id, ""); err != nil {
		b.Fatal(err)
	}
	return s, id
}

func benchDo(b *testing.B, s *devstack.Stack, method, path, idemKey string, body any, want int) string {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.APIURL+path, rd)
	req.Header.Set("x-api-key", s.Tenants[0].APIKey)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Process struct{ ID string } }
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return out.Process.ID
}

func BenchmarkStackCreate(b *testing.B) {
	s, _ := benchStack(b)
	body := createBody(unicosim.ScenarioCPF("approved"))
	run := time.Now().UnixNano()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchDo(b, s, "POST", "/v1/processes", fmt.Sprint(run, "-", i), body, 201)
	}
}

func BenchmarkStackRead(b *testing.B) {
	s, id := benchStack(b)
	b.ReportAllocs()
	for b.Loop() {
		benchDo(b, s, "GET", "/v1/processes/"+id, "", nil, 200)
	}
}

func BenchmarkStackWebhook(b *testing.B) {
	s, id := benchStack(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// A new delivery each time (lastEvent differs): the benchmark records one, as Unico's
		// real deliveries do, instead of measuring the duplicate path after the first.
		body := fmt.Sprintf(`{"processId":%q,"state":"PROCESS_STATE_FINISHED","lastEvent":"e%d"}`, id, i)
		req, _ := http.NewRequest("POST", s.APIURL+"/webhooks/unico", strings.NewReader(body))
		req.SetBasicAuth(s.WebhookUser, s.WebhookPass)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("webhook: %v %v", res, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// BenchmarkStackByClientCreate: a by-Client identity create with a fresh SDK capture from the
// simulator each time (a selfie is single-use), answered synchronously with Unico's verdict.
func BenchmarkStackByClientCreate(b *testing.B) {
	s, _ := benchStack(b)
	run := time.Now().UnixNano()
	cpf := unicosim.ScenarioCPF("yes")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := map[string]any{"integration": "by_client", "capability": "identity", "selfie": s.Sim.NewSelfieJWT(),
			"person": map[string]any{"cpf": cpf, "name": "Bench Mark"}}
		benchDo(b, s, "POST", "/v1/processes", fmt.Sprint(run, "-c", i), body, 201)
	}
}
