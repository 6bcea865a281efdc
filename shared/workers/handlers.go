package workers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/unicobudget"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// Change is what a stream record means to the gateway.
type Change struct {
	Kind      ChangeKind
	ProcessID string
}

// ChangeKind classifies stream records.
type ChangeKind int

const (
	ChangeOther    ChangeKind = iota // nothing for the asynchronous functions
	ChangeDelivery                   // a webhook delivery was recorded (worker)
	ChangeEvent                      // an outbound event is pending (notifier)
)

// Classify converts a stream record into a Change: the one place that reads the table's item
// layout from a stream record.
func Classify(r events.DynamoDBEventRecord) Change {
	pk, sk := attrS(r.Change.Keys, "pk"), attrS(r.Change.Keys, "sk")
	id, ok := strings.CutPrefix(pk, "P#")
	if !ok || id == "" {
		return Change{}
	}
	switch {
	case r.EventName == string(events.DynamoDBOperationTypeInsert) && strings.HasPrefix(sk, dynamostore.DeliveryPrefix):
		return Change{Kind: ChangeDelivery, ProcessID: id}
	case sk == dynamostore.EventSK && r.EventName != string(events.DynamoDBOperationTypeRemove) &&
		attrS(r.Change.NewImage, "status") == string(domain.EventPending):
		return Change{Kind: ChangeEvent, ProcessID: id}
	}
	return Change{}
}

func attrS(m map[string]events.DynamoDBAttributeValue, k string) string {
	v, ok := m[k]
	if !ok || v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// WorkerOptions tune the worker.
type WorkerOptions struct {
	Attempts    int           // tries per record within one invocation; default 3
	BaseDelay   time.Duration // pause before the second try, doubled for each next one; default 200 ms
	Concurrency int           // records handled in parallel (distinct processes); default 8
	Log         *slog.Logger
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 200 * time.Millisecond
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// StreamHandler is the signature of a stream consumer: Lambda's DynamoDB event with partial
// batch responses (the event source mapping sets ReportBatchItemFailures).
type StreamHandler func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Worker returns the worker's handler: for every recorded webhook delivery, SyncProcess (Unico's
// GetProcess, then the conditional write), retried with back-off within the invocation. A record
// that still fails is reported as a batch item failure: Lambda retries from it (bisecting the
// batch) and, after the mapping's last retry, sends it to the dead-letter queue; the sweeper
// covers it in any case. Several deliveries of one process in a batch lead to one SyncProcess.
//
// Its Unico calls are webhook follow-ups for the fleet's budget (the second priority) and make
// one attempt each: this retry is the record's only retry policy, so a record costs at most
// o.Attempts Unico reads per invocation, all within the budget; a refusal of the budget ends
// the invocation's tries (the stream retries later).
func Worker(svc *domain.Service, o WorkerOptions) StreamHandler {
	o = o.withDefaults()
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		ctx = unicoclient.WithSingleAttempt(unicobudget.WithPriority(ctx, unicobudget.FollowUp))
		return perProcess(ctx, ev, ChangeDelivery, o.Concurrency, func(ctx context.Context, id string) error {
			return retry(ctx, o, func() error { return svc.SyncProcess(ctx, id) })
		}, o.Log), nil
	}
}

// NotifierStream returns the notifier's stream handler: the first attempt of each new (or
// requeued) event, at once. The later attempts are the schedule's (Scheduled).
func NotifierStream(n *domain.Notifier, log *slog.Logger) StreamHandler {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return perProcess(ctx, ev, ChangeEvent, 4, n.Deliver, log), nil
	}
}

// perProcess runs fn once per distinct process of the records of kind, in parallel, and reports
// every record of a failed process as a batch item failure (Lambda resumes from the earliest).
func perProcess(ctx context.Context, ev events.DynamoDBEvent, kind ChangeKind, concurrency int,
	fn func(context.Context, string) error, log *slog.Logger) events.DynamoDBEventResponse {
	seqs := map[string][]string{}
	var order []string
	for _, r := range ev.Records {
		c := Classify(r)
		if c.Kind != kind {
			continue
		}
		if _, seen := seqs[c.ProcessID]; !seen {
			order = append(order, c.ProcessID)
		}
		seqs[c.ProcessID] = append(seqs[c.ProcessID], r.Change.SequenceNumber)
	}
	var (
		mu     sync.Mutex
		failed []events.DynamoDBBatchItemFailure
		wg     sync.WaitGroup
		sem    = make(chan struct{}, concurrency)
	)
	for _, id := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, id); err != nil {
				log.WarnContext(ctx, "stream record failed; it will be retried", slog.String("processId", id), slog.String("code", domain.AsError(err).Code))
				mu.Lock()
				for _, s := range seqs[id] {
					failed = append(failed, events.DynamoDBBatchItemFailure{ItemIdentifier: s})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return events.DynamoDBEventResponse{BatchItemFailures: failed}
}

// retry runs fn up to o.Attempts times with doubling pauses, while the error may go away and the
// invocation's deadline leaves room.
func retry(ctx context.Context, o WorkerOptions, fn func() error) error {
	var err error
	delay := o.BaseDelay
	for attempt := 1; ; attempt++ {
		if err = fn(); err == nil || attempt >= o.Attempts || domain.AsError(err).Code == domain.CodeUnicoBudgetExhausted {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay+time.Second {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		delay *= 2
	}
}

// NotifierHandler is the notifier function's handler: it takes the raw event, because one
// function serves two triggers: the table's stream (Records) and the schedule (an EventBridge
// Scheduled Event), which runs Dispatch for the events whose next attempt is due.
func NotifierHandler(n *domain.Notifier, dispatchLimit int, log *slog.Logger) func(ctx context.Context, raw json.RawMessage) (any, error) {
	stream := NotifierStream(n, log)
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Records    json.RawMessage `json:"Records"`
			DetailType string          `json:"detail-type"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, errors.New("notifier: the event is not JSON")
		}
		if len(probe.Records) > 0 {
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, errors.New("notifier: not a DynamoDB stream event")
			}
			return stream(ctx, ev)
		}
		rep, err := n.Dispatch(ctx, dispatchLimit)
		if err != nil {
			return nil, err
		}
		if rep.Due > 0 {
			log.InfoContext(ctx, "outbound dispatch", slog.Int("due", rep.Due), slog.Int("errors", rep.Errors))
		}
		return rep, nil
	}
}

// SweeperOptions bound a sweeper run.
type SweeperOptions struct {
	Max     int           // processes checked per run; default 100
	Rate    float64       // Unico reads per second; default 1
	Reserve time.Duration // stop this long before the invocation's deadline; default 10 s
}

// Sweeper returns the sweeper's handler (a schedule's EventBridge event): one Sweep paced at
// o.Rate, stopping before the invocation's deadline.
func Sweeper(svc *domain.Service, o SweeperOptions) func(ctx context.Context, ev events.EventBridgeEvent) (domain.SweepReport, error) {
	if o.Max <= 0 {
		o.Max = 100
	}
	if !(o.Rate > 0) {
		o.Rate = 1
	}
	if o.Reserve <= 0 {
		o.Reserve = 10 * time.Second
	}
	return func(ctx context.Context, _ events.EventBridgeEvent) (domain.SweepReport, error) {
		// The sweeper's Unico calls have the budget's last priority; a refusal stops the run
		// (domain.Sweep stops on a 429), the next run looks again.
		ctx = unicobudget.WithPriority(ctx, unicobudget.Sweep)
		return svc.Sweep(ctx, domain.SweepRequest{Max: o.Max, Wait: pacer(o.Rate, o.Reserve)})
	}
}

// pacer spaces calls 1/rate apart (the first goes at once) and refuses a call that would run
// into the deadline's reserve.
func pacer(rate float64, reserve time.Duration) func(context.Context) error {
	interval := time.Duration(float64(time.Second) / rate)
	var next time.Time
	return func(ctx context.Context) error {
		now := time.Now()
		wait := next.Sub(now)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < max(wait, 0)+reserve {
			return context.DeadlineExceeded
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			now = now.Add(wait)
		}
		next = now.Add(interval)
		return nil
	}
}
