package devstack_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/runtimefake"
	"github.com/unicogw/gateway/local/streampoller"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/workers"
)

// TestAsyncBootstrapsOnFakeRuntimeAPI runs the real worker, notifier and sweeper binaries as
// Lambda would, fed by DynamoDB Local's stream through the local event source mappings: a
// webhook's delivery record reaches the worker binary, which records the final state; the
// event it writes reaches the notifier binary, which signs and delivers it; the sweeper and the
// notifier's schedule answer their scheduled events.
func TestAsyncBootstrapsOnFakeRuntimeAPI(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{NoPollers: true}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	callbacks, _ := json.Marshal(a.Config.Async.Callbacks)
	env := append(functionEnv(a.Stack), "TENANT_CALLBACKS="+string(callbacks), "SWEEP_AFTER=15m")
	start := func(fn string) *runtimefake.Runtime {
		rt := runtimefake.New()
		t.Cleanup(rt.Close)
		_, logs := logging.NewCapture()
		rt.LogOutput = logs
		p, err := runtimefake.StartFunction(ctx, buildBootstrap(t, fn), env, rt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Stop() })
		return rt
	}
	worker, notifier, sweeper := start("worker"), start("notifier"), start("sweeper")

	// The mappings, as the stack declares them, invoking the binaries.
	desc, err := a.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(a.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	streams, err := ddb.StreamsClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	viaRuntime := func(rt *runtimefake.Runtime) streampoller.Handler {
		return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			raw, _ := json.Marshal(ev)
			out, err := rt.Invoke(ctx, raw)
			if err != nil {
				return events.DynamoDBEventResponse{}, err
			}
			var resp events.DynamoDBEventResponse
			return resp, json.Unmarshal(out, &resp)
		}
	}
	var pollers []*streampoller.Poller
	for _, m := range []struct {
		filter string
		rt     *runtimefake.Runtime
	}{{workers.WorkerFilter, worker}, {workers.NotifierFilter, notifier}} {
		p, err := streampoller.New(streampoller.Options{Name: "bootstrap", Streams: streams, StreamARN: aws.ToString(desc.Table.LatestStreamArn),
			Handler: viaRuntime(m.rt), Filter: m.filter, Bisect: true})
		if err != nil {
			t.Fatal(err)
		}
		p.Start()
		t.Cleanup(p.Stop)
		pollers = append(pollers, p)
	}

	id := a.create("bootstrap-async-1", "approved")
	if err := a.Sim.Finish(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range pollers {
		if err := p.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	checkFinalOnce(t, a, id, domain.OutcomeApproved)
	got := rc.wait(t, 1)
	if got[0].err != nil || got[0].id != "evt_"+id {
		t.Fatalf("event from the notifier binary: %s %v", got[0].id, got[0].err)
	}
	if worker.Invocations() < 1 || notifier.Invocations() < 1 {
		t.Fatalf("invocations: worker %d, notifier %d", worker.Invocations(), notifier.Invocations())
	}
	for _, p := range pollers {
		if dl := p.DeadLetters().List(); len(dl) != 0 {
			t.Fatalf("dead letters: %+v", dl)
		}
	}

	// The schedules' events: the sweeper finds nothing due (15 minutes), nor does the notifier.
	scheduled, _ := json.Marshal(events.EventBridgeEvent{Version: "0", DetailType: "Scheduled Event", Source: "aws.events",
		Time: time.Now().UTC(), Detail: json.RawMessage(`{}`)})
	out, err := sweeper.Invoke(ctx, scheduled)
	var sweep domain.SweepReport
	if err != nil || json.Unmarshal(out, &sweep) != nil || sweep.Due != 0 || sweep.Closed != 0 {
		t.Fatalf("sweeper binary: %s %v", out, err)
	}
	out, err = notifier.Invoke(ctx, scheduled)
	var dispatch domain.DispatchReport
	if err != nil || json.Unmarshal(out, &dispatch) != nil || dispatch.Due != 0 {
		t.Fatalf("notifier binary on its schedule: %s %v", out, err)
	}
}
