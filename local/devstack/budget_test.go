package devstack_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
)

// TestRoundTripBudget checks the design's budget on warm functions, request by request, by
// counting what reaches DynamoDB (the SDK operations of every function, devstack.OpCounter) and
// Unico (the simulator's calls, token mints) and Secrets Manager (GetSecretValue):
//
//   - a read of a final process: one GetItem and no Unico call (its results were recorded);
//   - a read of an open process: one GetItem, and once per refresh interval (ReadRefresh, the
//     functions' clock moved forward here) one conditional UpdateItem (the claim that makes one
//     reader ask Unico for all) and one Unico call;
//   - a create, by Unico or by Client: one PutItem (the Idempotency-Key) and one
//     TransactWriteItems (the process with the key's answer), and one Unico call;
//   - a webhook: one TransactWriteItems (the delivery, conditioned on the process being open)
//     and no Unico call (the worker reads Unico afterwards, off the request path);
//   - none mints a token or fetches a secret;
//   - every Unico call adds the fleet budget's write (shared/unicobudget): one UpdateItem of the
//     bucket, two when the function's view of it was stale; counted apart (devstack.OpBudget).
//
// Two requests exceed "one round trip on reads, two on creates", by design, and are asserted
// too so that they do not grow: a by-Client document create reads its biometric process from
// the store before creating (3 DynamoDB operations, 1 Unico call: the rule that a document
// needs a qualifying biometric process, checked on its recorded results before Unico is paid),
// and the refresh that finds Unico's state moved records it (the conditional write with its
// outbound event; the reads after it are back to one GetItem and no Unico call).
//
// The asynchronous side is idle (no stream pollers, no schedules), so every operation counted
// belongs to the requests measured.
func TestRoundTripBudget(t *testing.T) {
	_, logs := logging.NewCapture()
	var clock struct {
		sync.Mutex
		offset time.Duration
	}
	now := func() time.Time {
		clock.Lock()
		defer clock.Unlock()
		return time.Now().Add(clock.offset)
	}
	nextInterval := func() {
		clock.Lock()
		clock.offset += domain.DefaultReadRefresh
		clock.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.MultiWriter(logs, suiteLogs),
		Async: devstack.AsyncOptions{NoPollers: true, SweepEvery: -1, DispatchEvery: -1}, Now: now,
		Customize: func(c *gateway.Config) { c.SecretsTTL = 10 * time.Minute }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	suiteLogs.PlantStack(s)
	api := client{t, s.APIURL}
	key := s.Tenants[0].APIKey
	hosted := createBody(unicosim.ScenarioCPF("approved"))
	docCPF := unicosim.ScenarioCPF("yes_with_documents")
	suiteLogs.Plant(unicosim.ScenarioCPF("approved"), personName, docCPF, clientName)
	seq := 0
	byClient := func(capability string) map[string]any {
		selfie := s.Sim.NewSelfieJWT()
		suiteLogs.Plant(selfie)
		return map[string]any{"integration": "by_client", "capability": capability, "selfie": selfie,
			"person": map[string]any{"cpf": docCPF, "name": clientName}}
	}
	create := func(body map[string]any) string {
		t.Helper()
		seq++
		status, _, res := api.do("POST", "/v1/processes", key, map[string]string{"Idempotency-Key": fmt.Sprint("budget-", seq)}, body)
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, res)
		}
		return get(res, "process", "id").(string)
	}
	read := func(id string) {
		t.Helper()
		if status, _, res := api.do("GET", "/v1/processes/"+id, key, nil, nil); status != 200 {
			t.Fatalf("read: %d %v", status, res)
		}
	}
	webhook := func(body string) {
		t.Helper()
		if status, _, res := api.do("POST", "/webhooks/unico", "", map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, s.WebhookPass)}, body); status != 200 {
			t.Fatalf("webhook: %d %v", status, res)
		}
	}

	// Warm every function once, both integrations (first use fetches the secrets: the shared
	// token, which the stack's refresher wrote at start, and the credentials).
	id := create(hosted)
	nextInterval() // so that the read asks Unico too
	read(id)
	read(create(byClient("identity")))
	webhook(`{"processId":"` + id + `","state":"PROCESS_STATE_CREATED"}`)

	type counts struct {
		dynamo, unico  map[string]int
		mints, secrets int
	}
	snapshot := func() counts {
		d, _ := s.DynamoDBOps.Counts()
		st := s.Sim.Stats()
		return counts{d, st.Calls, st.TokenMints, s.Secrets.Counts()["GetSecretValue"]}
	}
	diff := func(a, b map[string]int) string {
		out := map[string]int{}
		for k, v := range b {
			if v-a[k] != 0 {
				out[k] = v - a[k]
			}
		}
		return fmt.Sprint(out)
	}
	check := func(what string, n int, wantDynamo, wantUnico map[string]int, do func(i int)) {
		t.Helper()
		before := snapshot()
		for i := 0; i < n; i++ {
			do(i)
		}
		after := snapshot()
		for k := range wantDynamo {
			wantDynamo[k] *= n
		}
		for k := range wantUnico {
			wantUnico[k] *= n
		}
		// The Unico budget's writes: one per Unico call, two when the function's view of the
		// bucket was stale (another function booked a slot since), never more.
		calls := 0
		for _, v := range wantUnico {
			calls += v
		}
		budgetWrites := after.dynamo[devstack.OpBudget] - before.dynamo[devstack.OpBudget]
		if budgetWrites < calls || budgetWrites > 2*calls {
			t.Errorf("%d × %s: %d writes to the Unico budget for %d Unico calls, want %d to %d", n, what, budgetWrites, calls, calls, 2*calls)
		}
		delete(before.dynamo, devstack.OpBudget)
		delete(after.dynamo, devstack.OpBudget)
		if got := diff(before.dynamo, after.dynamo); got != fmt.Sprint(wantDynamo) {
			t.Errorf("%d × %s: DynamoDB operations %s, want %v", n, what, got, wantDynamo)
		}
		if got := diff(before.unico, after.unico); got != fmt.Sprint(wantUnico) {
			t.Errorf("%d × %s: Unico calls %s, want %v", n, what, got, wantUnico)
		}
		if after.mints != before.mints || after.secrets != before.secrets {
			t.Errorf("%d × %s: %d token mints and %d secret fetches, want none", n, what, after.mints-before.mints, after.secrets-before.secrets)
		}
	}

	// Reads of an open process: one GetItem; one claim and one Unico call per interval.
	check("read (by Unico, open, within the interval)", 5, map[string]int{"GetItem": 1}, map[string]int{}, func(int) { read(id) })
	nextInterval()
	check("read (by Unico, open, due for a refresh)", 1, map[string]int{"GetItem": 1, "UpdateItem": 1},
		map[string]int{"GET /client/v1/process/{id}": 1}, func(int) { read(id) })
	check("read (by Unico, open, refreshed)", 5, map[string]int{"GetItem": 1}, map[string]int{}, func(int) { read(id) })
	// Creates: the key, then the process with the key's answer.
	check("create (by Unico)", 3, map[string]int{"PutItem": 1, "TransactWriteItems": 1}, map[string]int{"POST /client/v1/process": 1},
		func(int) { create(hosted) })
	var clientIDs []string
	check("create (by Client, identity)", 3, map[string]int{"PutItem": 1, "TransactWriteItems": 1}, map[string]int{"POST /processes/v1": 1},
		func(int) { clientIDs = append(clientIDs, create(byClient("identity"))) })
	check("read (by Client, final)", 3, map[string]int{"GetItem": 1}, map[string]int{},
		func(i int) { read(clientIDs[i]) })
	// Webhooks: the delivery, recorded in one transaction; Unico is read later by the worker.
	check("webhook", 3, map[string]int{"TransactWriteItems": 1}, map[string]int{},
		func(i int) {
			webhook(fmt.Sprintf(`{"processId":%q,"state":"PROCESS_STATE_FINISHED","lastEvent":"e%d"}`, id, i))
		})
	check("webhook (the same delivery again)", 2, map[string]int{"TransactWriteItems": 1}, map[string]int{},
		func(int) {
			webhook(fmt.Sprintf(`{"processId":%q,"state":"PROCESS_STATE_FINISHED","lastEvent":"e0"}`, id))
		})

	// By design, over the budget (see above).
	check("create (by Client, documents)", 2, map[string]int{"PutItem": 1, "GetItem": 1, "TransactWriteItems": 1},
		map[string]int{"POST /processes/v1": 1},
		func(int) {
			create(map[string]any{"integration": "by_client", "capability": "documents", "person": map[string]any{"cpf": docCPF},
				"document": map[string]any{"purpose": "onboarding", "authProcessId": clientIDs[0], "files": []map[string]any{{"data": s.Sim.NewSelfieJWT()}}}})
		})
	if err := s.Sim.Finish(ctx, id, ""); err != nil { // the webhook arrives; the worker is idle
		t.Fatal(err)
	}
	nextInterval()
	check("read that records Unico's new state", 1, map[string]int{"GetItem": 1, "UpdateItem": 1, "TransactWriteItems": 1},
		map[string]int{"GET /client/v1/process/{id}": 1}, func(int) { read(id) })
	nextInterval()
	check("read after it (final)", 5, map[string]int{"GetItem": 1}, map[string]int{}, func(int) { read(id) })
}
