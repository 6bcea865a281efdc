package devstack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
)

// These tests run the asynchronous side through every real part: webhooks through the local
// API into DynamoDB Local, the worker and the notifier driven by DynamoDB Local's stream (the
// local event source mappings), the sweeper and the retries as their schedules run them, the
// Unico simulator, and an HTTP receiver standing for a tenant's backend.

// ---- an independent Standard Webhooks verifier (deliberately not shared/outbound) ----

// verifyStandardWebhook follows the specification (standardwebhooks.com, "Verifying webhook
// authenticity"): the secret is base64 after the "whsec_" prefix; the signed content is
// "<webhook-id>.<webhook-timestamp>.<raw body>"; the signature is base64(HMAC-SHA256); the
// webhook-signature header is a space-delimited list of "<version>,<signature>"; the timestamp
// must be within five minutes.
func verifyStandardWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	msgID, msgTS, sigHeader := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if msgID == "" || msgTS == "" || sigHeader == "" {
		return errors.New("missing headers")
	}
	secs, err := strconv.ParseInt(msgTS, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(secs, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp out of tolerance")
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", msgID, msgTS)
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, versioned := range strings.Split(sigHeader, " ") {
		version, sig, ok := strings.Cut(versioned, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, expected) {
			return nil
		}
	}
	return errors.New("no matching signature")
}

// receiver is a tenant's backend: it verifies every delivery with the independent verifier and
// records it; while down it answers 503.
type receiver struct {
	t      *testing.T
	secret func() string

	mu       sync.Mutex
	down     bool
	attempts int
	got      []delivery
	arrived  chan delivery
}

type delivery struct {
	id   string
	body []byte
	err  error // the verification's outcome
}

func newReceiver(t *testing.T) *receiver {
	return &receiver{t: t, arrived: make(chan delivery, 100)}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.attempts++
	if rc.down {
		rc.mu.Unlock()
		w.Header().Set("Retry-After", "0")
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	d := delivery{id: r.Header.Get("webhook-id"), body: body, err: verifyStandardWebhook(rc.secret(), r.Header, body, time.Now())}
	rc.got = append(rc.got, d)
	rc.mu.Unlock()
	rc.arrived <- d
	if d.err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

func (rc *receiver) wait(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.After(time.Minute)
	for len(rc.deliveries()) < n {
		select {
		case <-rc.arrived:
		case <-deadline:
			t.Fatalf("the receiver got %d deliveries, want %d", len(rc.deliveries()), n)
		}
	}
	return rc.deliveries()
}

// ---- the stack ----

type asyncStack struct {
	*devstack.Stack
	t     *testing.T
	logs  *logging.SyncBuffer
	api   client
	store *dynamostore.Store
	db    *dynamodb.Client
}

// startAsyncStack runs a stack whose "demo" tenant sends its events to rc (when given). The
// schedules are off unless the options set them: the tests run the sweeper and the retry pass
// themselves, or say how often.
func startAsyncStack(t *testing.T, rc *receiver, o devstack.AsyncOptions, customize func(*gateway.Config)) *asyncStack {
	t.Helper()
	_, logs := logging.NewCapture()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if o.SweepEvery == 0 {
		o.SweepEvery = -1
	}
	if o.DispatchEvery == 0 {
		o.DispatchEvery = -1
	}
	if rc != nil && o.Callbacks == nil {
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		o.Callbacks = map[string]string{"demo": srv.URL + "/unico-events"}
	}
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.MultiWriter(logs, suiteLogs),
		TableName: dynamolocaltest.TableName(t), Async: o, Customize: customize})
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	t.Cleanup(s.Stop)
	suiteLogs.PlantStack(s)
	if rc != nil {
		rc.secret = func() string { return s.Async.SigningSecrets["demo"] }
	}
	db := dynamolocaltest.Client(t, ddb)
	return &asyncStack{Stack: s, t: t, logs: logs, api: client{t, s.APIURL}, store: dynamostore.New(db, s.TableName), db: db}
}

// create makes a hosted verification for the demo tenant whose simulated outcome the CPF picks.
func (a *asyncStack) create(key, scenario string) string {
	a.t.Helper()
	status, _, res := a.api.do("POST", "/v1/processes", a.Tenants[0].APIKey, map[string]string{"Idempotency-Key": key},
		createBody(unicosim.ScenarioCPF(scenario)))
	id, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || id == "" {
		a.t.Fatalf("create: %d %v", status, res)
	}
	return id
}

// finishSilently makes the person finish the journey at Unico while Unico's webhook is lost.
func (a *asyncStack) finishSilently(id, scenario string) {
	a.t.Helper()
	before := a.Sim.Stats().WebhooksDelivered
	if err := a.Sim.FinishLosingWebhook(id, scenario); err != nil {
		a.t.Fatal(err)
	}
	if a.Sim.Stats().WebhooksDelivered != before {
		a.t.Fatal("the webhook was delivered after all")
	}
}

// webhook posts one delivery as Unico would, with the stack's Basic credentials.
func (a *asyncStack) webhook(body any) (int, string) {
	status, _, res := a.api.do("POST", "/webhooks/unico", "",
		map[string]string{"Authorization": "Basic " + basic(a.WebhookUser, a.WebhookPass)}, body)
	s, _ := res["status"].(string)
	return status, s
}

func (a *asyncStack) drain() {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.Async.Drain(ctx); err != nil {
		a.t.Fatalf("drain: %v", err)
	}
}

func (a *asyncStack) process(id string) domain.Process {
	a.t.Helper()
	p, err := a.store.GetProcess(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return p
}

func (a *asyncStack) event(id string) domain.OutboundEvent {
	a.t.Helper()
	ev, err := a.store.GetEvent(context.Background(), id)
	if err != nil {
		a.t.Fatalf("event of %s: %v", id, err)
	}
	return ev
}

func (a *asyncStack) deliveryItems(id string) int {
	a.t.Helper()
	out, err := a.db.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(a.TableName),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :w)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "P#" + id},
			":w": &types.AttributeValueMemberS{Value: dynamostore.DeliveryPrefix}}})
	if err != nil {
		a.t.Fatal(err)
	}
	return len(out.Items)
}

// dispatch runs the notifier's retry pass (its schedule) a few times: nothing more may arrive.
func (a *asyncStack) dispatch(times int) {
	a.t.Helper()
	for range times {
		if _, err := a.Async.Dispatch(context.Background()); err != nil {
			a.t.Fatal(err)
		}
	}
}

func (a *asyncStack) noDeadLetters() {
	a.t.Helper()
	if dl := a.Async.DeadLetters.List(); len(dl) != 0 {
		a.t.Fatalf("dead letters: %+v", dl)
	}
}

// eventually calls f until it reports true (a readiness check with a deadline).
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkFinalOnce(t *testing.T, a *asyncStack, id string, outcome domain.Outcome) {
	t.Helper()
	p := a.process(id)
	// Version 2: created, then exactly one write (the final state with its event).
	if p.State != domain.StateFinished || p.Decision.Outcome != outcome || p.Version != 2 {
		t.Fatalf("process %s: state %s, outcome %s, version %d; want finished, %s, 2", id, p.State, p.Decision.Outcome, p.Version, outcome)
	}
}

// ---- Done means 1 ----

// TestWebhookDuplicatesAndReverseOrder: the same webhook delivered 10 times (at once), and two
// deliveries in reverse order (both payload shapes), end in one final state per process and one
// outbound event, received once, with a valid signature.
func TestWebhookDuplicatesAndReverseOrder(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{}, nil)
	dup := a.create("dup-1", "approved")
	rev := a.create("rev-1", "rejected_liveness")
	a.finishSilently(dup, "")
	a.finishSilently(rev, "")

	// Ten copies of one delivery, concurrently.
	statuses := make(chan string, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, st := a.webhook(map[string]any{"processId": dup, "state": "PROCESS_STATE_FINISHED", "flow": "idlive"})
			if code != http.StatusOK {
				t.Errorf("delivery answered %d", code)
			}
			statuses <- st
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[string]int{}
	for st := range statuses {
		count[st]++
	}
	if count["accepted"] != 1 || count["accepted"]+count["duplicate"]+count["already_final"] != 10 {
		t.Fatalf("ten identical deliveries: %v; want one accepted, the rest duplicate or already_final", count)
	}
	if n := a.deliveryItems(dup); n != 1 {
		t.Fatalf("%d delivery records for ten identical deliveries", n)
	}

	// Two by-Client-shaped deliveries, the later event first.
	for _, at := range []string{"2026-05-02T10:05:00Z", "2026-05-02T10:00:00Z"} {
		if code, st := a.webhook(map[string]any{"eventDate": at, "event": "update_process", "data": map[string]any{"id": rev, "status": 3}}); code != http.StatusOK ||
			(st != "accepted" && st != "already_final") {
			t.Fatalf("out-of-order delivery: %d %s", code, st)
		}
	}

	a.drain()
	checkFinalOnce(t, a, dup, domain.OutcomeApproved)
	checkFinalOnce(t, a, rev, domain.OutcomeRejected)

	// A late duplicate after the final state changes nothing.
	if code, st := a.webhook(map[string]any{"processId": dup, "state": "PROCESS_STATE_FINISHED", "flow": "idlive"}); code != 200 || st != "already_final" {
		t.Fatalf("late duplicate: %d %s", code, st)
	}
	a.drain()
	a.dispatch(3)
	got := rc.wait(t, 2)
	if len(got) != 2 {
		t.Fatalf("the receiver got %d events, want exactly 2", len(got))
	}
	byID := map[string]delivery{}
	for _, d := range got {
		if d.err != nil {
			t.Fatalf("signature of %s: %v", d.id, d.err)
		}
		byID[d.id] = d
	}
	for id, outcome := range map[string]string{dup: "approved", rev: "rejected"} {
		d, ok := byID["evt_"+id]
		if !ok {
			t.Fatalf("no event for %s (got %v)", id, byID)
		}
		var ev struct {
			Type string `json:"type"`
			Data struct {
				ID, State string
				Decision  struct{ Outcome string }
			} `json:"data"`
		}
		if err := json.Unmarshal(d.body, &ev); err != nil || ev.Type != "process.finished" || ev.Data.ID != id ||
			ev.Data.State != "finished" || ev.Data.Decision.Outcome != outcome {
			t.Fatalf("event body %s (%v)", d.body, err)
		}
		if e := a.event(id); e.Status != domain.EventDelivered || e.Attempts != 1 {
			t.Fatalf("event record %+v", e)
		}
	}
	a.noDeadLetters()
	cpf := unicosim.ScenarioCPF("approved")
	if found := logging.FindPII(a.logs.String(), cpf, personName, a.WebhookPass, a.Async.SigningSecrets["demo"]); len(found) > 0 {
		t.Fatalf("personal data or secrets in logs: %v", found)
	}
}

// TestTwentyConcurrentDeliveries: 20 deliveries for 20 processes at once all land.
func TestTwentyConcurrentDeliveries(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{}, nil)
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = a.create(fmt.Sprintf("many-%d", i), "approved")
		a.finishSilently(ids[i], "")
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, st := a.webhook(map[string]any{"processId": id, "state": "PROCESS_STATE_FINISHED", "flow": "idlive"}); code != 200 || st != "accepted" {
				t.Errorf("delivery for %s: %d %s", id, code, st)
			}
		}()
	}
	wg.Wait()
	a.drain()
	for _, id := range ids {
		checkFinalOnce(t, a, id, domain.OutcomeApproved)
	}
	got := rc.wait(t, 20)
	seen := map[string]bool{}
	for _, d := range got {
		if d.err != nil {
			t.Fatalf("signature: %v", d.err)
		}
		seen[d.id] = true
	}
	if len(seen) != 20 || len(got) != 20 {
		t.Fatalf("%d deliveries of %d distinct events, want 20 of 20", len(got), len(seen))
	}
	a.noDeadLetters()
}

// ---- Done means 2 ----

// TestUnicoFailingForAWhile: GetProcess fails (503) for a while; the worker retries (within the
// invocation, then the mapping retries the record) and the verification ends final once Unico
// recovers, with nothing in the dead-letter queue.
func TestUnicoFailingForAWhile(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{StreamRetries: 10}, nil)
	id := a.create("flaky-1", "approved")
	// 12 failures: more than one invocation absorbs (3 tries of 3 HTTP attempts each).
	a.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/client/v1/process/", Status: 503, Body: `{"error":"unavailable"}`, Times: 12})
	before := a.Sim.Stats().Calls["GET /client/v1/process/{id}"]
	if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if a.Sim.Stats().WebhooksDelivered != 1 {
		t.Fatal("the webhook was not acknowledged")
	}
	a.drain()
	checkFinalOnce(t, a, id, domain.OutcomeApproved)
	if calls := a.Sim.Stats().Calls["GET /client/v1/process/{id}"] - before; calls != 13 {
		t.Errorf("GetProcess calls %d, want 13 (12 failures, then the one that succeeded)", calls)
	}
	if n := a.Async.Worker.Invocations(); n < 2 {
		t.Errorf("worker invocations %d: the mapping should have retried the record", n)
	}
	a.noDeadLetters()
	rc.wait(t, 1)
}

// TestWorkerDiesAfterTheAck: the delivery is acknowledged and recorded, but the worker is gone
// (its event source mapping stopped, as when the container dies before it runs): nothing is
// lost; when the mapping runs again it resumes from its checkpoint and completes the process.
func TestWorkerDiesAfterTheAck(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{}, nil)
	id := a.create("dies-1", "approved")
	a.Async.Worker.Stop()
	if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	if st := a.Sim.Stats(); st.WebhooksDelivered != 1 || st.WebhooksFailed != 0 {
		t.Fatalf("the webhook was not acknowledged: %+v", st)
	}
	if n := a.deliveryItems(id); n != 1 {
		t.Fatalf("%d delivery records after the acknowledgement, want 1", n)
	}
	if p := a.process(id); p.State != domain.StateCreated {
		t.Fatalf("processed without a worker: %s", p.State)
	}
	a.Async.Worker.Start()
	a.drain()
	checkFinalOnce(t, a, id, domain.OutcomeApproved)
	rc.wait(t, 1)
	a.noDeadLetters()
}

// TestDeadLetteredDeliveryClosedBySweeper: Unico stays down longer than the mapping retries, so
// the record goes to the dead-letter sink; once Unico is back the sweeper closes the process.
func TestDeadLetteredDeliveryClosedBySweeper(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{StreamRetries: 1, StreamBackoff: 10 * time.Millisecond},
		func(c *gateway.Config) { c.Async.SweepAfter = time.Millisecond })
	id := a.create("dlq-1", "approved")
	a.Sim.InjectFault(unicosim.Fault{Method: "GET", PathPrefix: "/client/v1/process/", Status: 503})
	reads := func() int { return a.Sim.Stats().Calls["GET /client/v1/process/{id}"] }
	before := reads()
	if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	a.drain()
	// Retries never nest: 3 Unico attempts per record per worker invocation (the worker's
	// tries; the client makes one each), 2 invocations (the mapping's 1 retry): 6, not 18.
	if n := reads() - before; n != 6 {
		t.Fatalf("%d GetProcess calls for one record over 2 worker invocations, want 6", n)
	}
	dl := a.Async.DeadLetters.List()
	if len(dl) != 1 || dl[0].Consumer != devstack.FunctionWorker || dl[0].BatchSize != 1 ||
		dl[0].Records[0].Change.Keys["pk"].String() != "P#"+id {
		t.Fatalf("dead letters: %+v", dl)
	}
	if p := a.process(id); p.State != domain.StateCreated {
		t.Fatalf("state %s before Unico recovered", p.State)
	}
	// While Unico is down the sweeper stops at once and changes nothing.
	rep, err := a.Async.Sweep(context.Background())
	if err != nil || rep.Closed != 0 || rep.Stopped == "" {
		t.Fatalf("sweep while Unico is down: %+v %v", rep, err)
	}
	a.Sim.ClearFaults()
	rep, err = a.Async.Sweep(context.Background())
	if err != nil || rep.Closed != 1 {
		t.Fatalf("sweep after recovery: %+v %v", rep, err)
	}
	checkFinalOnce(t, a, id, domain.OutcomeApproved)
	a.drain()
	rc.wait(t, 1)
}

// ---- Done means 3 ----

// TestSweeperClosesWhenTheWebhookNeverComes: the person finishes but Unico's webhook is lost;
// the sweeper (as its schedule runs it) finds the overdue process, reads it from Unico and
// closes it, and the tenant gets its event.
func TestSweeperClosesWhenTheWebhookNeverComes(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{SweepEvery: 25 * time.Millisecond},
		func(c *gateway.Config) { c.Async.SweepAfter = 50 * time.Millisecond })
	id := a.create("lost-1", "approved")
	// Still open at Unico: the sweeper checks it and only postpones its next check.
	eventually(t, "a sweeper check of the open process", func() bool { return a.process(id).Version >= 2 })
	if p := a.process(id); p.State != domain.StateCreated || !p.NextSweepAt.After(p.CreatedAt.Add(50*time.Millisecond)) ||
		!p.UpdatedAt.Equal(p.CreatedAt) {
		t.Fatalf("after a check of an open process (only its next check may move): %+v", p)
	}
	a.finishSilently(id, "")
	eventually(t, "the sweeper closing the process", func() bool { return a.process(id).State.Final() })
	p := a.process(id)
	if p.State != domain.StateFinished || p.Decision.Outcome != domain.OutcomeApproved {
		t.Fatalf("closed by the sweeper: %+v", p)
	}
	if a.Sim.Stats().WebhooksDelivered != 0 {
		t.Fatal("a webhook was delivered: the test proves nothing")
	}
	got := rc.wait(t, 1)
	if got[0].err != nil || got[0].id != "evt_"+id {
		t.Fatalf("event: %s %v", got[0].id, got[0].err)
	}
	if due, err := a.store.DueForSweep(context.Background(), time.Now().Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("a final process is still in the sweeper's list: %v %v", due, err)
	}
	if !strings.Contains(a.logs.String(), `"SweepClosed":1`) {
		t.Error("no SweepClosed metric in the logs")
	}
}

// ---- Done means 4 ----

// TestOutboundReceiverDownThenBack: the tenant's backend is unreachable, then answers 503, then
// recovers; the notifier retries with back-off (its schedule) and the event arrives once, with a
// signature the independent verifier accepts.
func TestOutboundReceiverDownThenBack(t *testing.T) {
	rc := newReceiver(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there: connection refused
	backoff := []time.Duration{}
	for range 30 {
		backoff = append(backoff, 30*time.Millisecond)
	}
	a := startAsyncStack(t, rc, devstack.AsyncOptions{DispatchEvery: 20 * time.Millisecond, Callbacks: map[string]string{"demo": "http://" + addr + "/hook"}},
		func(c *gateway.Config) { c.Async.OutboundBackoff = backoff })
	id := a.create("down-1", "approved")
	if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "failed attempts while the receiver is unreachable", func() bool {
		ev, err := a.store.GetEvent(context.Background(), id)
		return err == nil && ev.Attempts >= 3 && ev.LastError == "connect"
	})
	// Back, but answering 503 at first.
	rc.mu.Lock()
	rc.down = true
	rc.mu.Unlock()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(rc)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	eventually(t, "an attempt answered 503", func() bool {
		ev, err := a.store.GetEvent(context.Background(), id)
		return err == nil && ev.LastError == "http_503"
	})
	rc.mu.Lock()
	rc.down = false
	rc.mu.Unlock()

	got := rc.wait(t, 1)
	if got[0].err != nil {
		t.Fatalf("signature: %v", got[0].err)
	}
	if got[0].id != "evt_"+id || !strings.Contains(string(got[0].body), `"outcome":"approved"`) {
		t.Fatalf("event %s %s", got[0].id, got[0].body)
	}
	eventually(t, "the event marked delivered", func() bool { return a.event(id).Status == domain.EventDelivered })
	ev := a.event(id)
	if ev.Attempts < 5 || !ev.DeliveredAt.After(ev.CreatedAt) {
		t.Fatalf("event record %+v", ev)
	}
	a.dispatch(3)
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("%d deliveries after recovery, want 1", n)
	}
	// The signature is no forgery of the verifier's own making: the wrong secret fails.
	if err := verifyStandardWebhook("whsec_"+base64.StdEncoding.EncodeToString(make([]byte, 32)), http.Header{
		"Webhook-Id": {got[0].id}, "Webhook-Timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "Webhook-Signature": {"v1,AAAA"},
	}, got[0].body, time.Now()); err == nil {
		t.Fatal("the independent verifier accepts anything")
	}
}

// TestOutboundParkedThenReplayed: a receiver that never recovers gets every attempt; the event
// is then parked (the outbox's dead letter, counted by a metric with an alarm), and the tenant
// replays it through the API once its backend is back.
func TestOutboundParkedThenReplayed(t *testing.T) {
	rc := newReceiver(t)
	rc.down = true
	a := startAsyncStack(t, rc, devstack.AsyncOptions{DispatchEvery: 20 * time.Millisecond},
		func(c *gateway.Config) {
			c.Async.OutboundBackoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}
		})
	id := a.create("park-1", "approved")
	demo, other := a.Tenants[0].APIKey, a.Tenants[1].APIKey
	// Not final yet: nothing to replay.
	if status, _, res := a.api.do("POST", "/v1/processes/"+id+"/notifications", demo, nil, nil); status != 409 || get(res, "error", "code") != "process_not_final" {
		t.Fatalf("replay of an open process: %d %v", status, res)
	}
	if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the event parked", func() bool {
		ev, err := a.store.GetEvent(context.Background(), id)
		return err == nil && ev.Status == domain.EventParked
	})
	ev := a.event(id)
	if ev.Attempts != 3 || ev.LastError != "http_503" {
		t.Fatalf("parked event %+v; want 3 attempts (2 pauses)", ev)
	}
	if parked, err := a.store.ParkedEvents(context.Background(), 10); err != nil || len(parked) != 1 || parked[0] != id {
		t.Fatalf("parked list %v %v", parked, err)
	}
	if !strings.Contains(a.logs.String(), `"OutboundParked":1`) {
		t.Fatal("no OutboundParked metric in the logs")
	}
	// Another tenant cannot replay it.
	if status, _, _ := a.api.do("POST", "/v1/processes/"+id+"/notifications", other, nil, nil); status != 404 {
		t.Fatalf("other tenant's replay: %d", status)
	}
	rc.mu.Lock()
	rc.down = false
	rc.mu.Unlock()
	status, _, res := a.api.do("POST", "/v1/processes/"+id+"/notifications", demo, nil, nil)
	if status != http.StatusAccepted || get(res, "eventId") != "evt_"+id || get(res, "status") != "pending" {
		t.Fatalf("replay: %d %v", status, res)
	}
	got := rc.wait(t, 1)
	if got[0].err != nil || got[0].id != "evt_"+id {
		t.Fatalf("replayed event: %s %v", got[0].id, got[0].err)
	}
	eventually(t, "the replayed event delivered", func() bool { return a.event(id).Status == domain.EventDelivered })
	if parked, _ := a.store.ParkedEvents(context.Background(), 10); len(parked) != 0 {
		t.Fatalf("still parked: %v", parked)
	}
}

// TestUnknownProcessWebhook: a delivery for a process this gateway does not know is
// acknowledged, recorded nowhere, and logged by id only.
func TestUnknownProcessWebhook(t *testing.T) {
	a := startAsyncStack(t, nil, devstack.AsyncOptions{Callbacks: map[string]string{}}, nil)
	unknown := "0badc0de-0000-4000-8000-000000000000"
	if code, st := a.webhook(map[string]any{"processId": unknown, "state": "PROCESS_STATE_FINISHED"}); code != 200 || st != "unknown_process" {
		t.Fatalf("unknown process: %d %s", code, st)
	}
	if n := a.deliveryItems(unknown); n != 0 {
		t.Fatalf("%d delivery records for an unknown process", n)
	}
	if !strings.Contains(a.logs.String(), `"msg":"webhook for an unknown process"`) || !strings.Contains(a.logs.String(), unknown) {
		t.Fatal("the unknown process was not logged by id")
	}
	if code, _ := a.webhook("not json"); code != 400 {
		t.Fatalf("garbage: %d", code)
	}
}
